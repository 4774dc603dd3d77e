// The drift rules, as a pure function of what the providers hold, what the read model says, the
// DRIFT_* settings and the time: which findings there are and what the sweep does about each
// (workflows/fleet-types.ts defines the kinds and actions). Only instances at rest are compared:
// an operation in flight changes servers and records on purpose, and is not drift.
import type { DriftAction, DriftFinding } from '../workflows/fleet-types';
import { DRIFT_KINDS } from '../workflows/fleet-types';
import { instanceFqdn } from '../workflows/ids';
import type { FleetSettings } from './deps';
import type { DriftInventory, SeenInstance, SeenRecord, SeenServer } from './drift-inventory';

/** A finding before the episode book says whether it is new, and which episode it belongs to. */
export type Observed = Omit<DriftFinding, 'isNew' | 'episodeId'>;

export type DriftRules = Pick<FleetSettings, 'repairPower' | 'deleteOrphans' | 'orphanGraceMs'>;

export interface CompareInput {
  inventory: DriftInventory;
  rules: DriftRules;
  domain: string;
  now: Date;
}

/** States at rest whose server and record Hostflow vouches for. */
const COMPARED_STATES = new Set(['running', 'suspended']);

/** Compared this sweep: at rest, no operation in flight. The findings of the others are neither
 * made nor closed (an instance in `attention` over a vanished server is still missing it). */
export const isCompared = (instance: { status: string; currentOperationId: string | null }): boolean =>
  COMPARED_STATES.has(instance.status) && instance.currentOperationId === null;

export function compareDrift(input: CompareInput): Observed[] {
  const { inventory } = input;
  const serversById = new Map(inventory.servers.map((s) => [s.id, s]));
  const serversByInstance = groupBy(inventory.servers, (s) => s.instanceId);
  const recordsByInstance = groupBy(inventory.records, (r) => r.instanceId);
  const live = new Set(inventory.instances.map((i) => i.id));
  const findings: Observed[] = [];
  for (const instance of inventory.instances) {
    if (!isCompared(instance)) continue;
    const server = (instance.serverId !== null ? serversById.get(instance.serverId) : undefined) ?? serversByInstance.get(instance.id)?.[0];
    findings.push(...serverFindings(instance, server, input.rules));
    findings.push(...dnsFindings(instance, recordsByInstance.get(instance.id) ?? [], input.domain));
  }
  for (const server of inventory.servers) {
    if (server.instanceId === undefined || !live.has(server.instanceId)) findings.push(orphanServer(server, input));
  }
  for (const record of inventory.records) {
    if (!live.has(record.instanceId)) findings.push(orphanRecord(record, input));
  }
  return sortFindings(findings);
}

/**
 * server_vanished for running and suspended alike (a suspended customer's disk is gone too, and
 * the unsuspend would fail later, at a worse time); server_off only while running.
 */
function serverFindings(instance: SeenInstance, server: SeenServer | undefined, rules: DriftRules): Observed[] {
  if (instance.serverId === null) return [];
  const about = { instanceId: instance.id, subdomain: instance.subdomain, serverId: instance.serverId };
  if (!server) {
    const message = `server ${instance.serverId} of ${instance.subdomain} (${instance.status}) is gone at Hetzner: the instance goes to attention`;
    return [{ key: `server_vanished:${instance.serverId}`, kind: 'server_vanished', action: 'attention', ...about, message }];
  }
  if (instance.status !== 'running' || server.status !== 'off') return [];
  const action: DriftAction = rules.repairPower ? 'power_on' : 'notify';
  const then = rules.repairPower ? 'powering it on' : 'DRIFT_REPAIR_POWER is off, left as it is';
  const message = `server ${server.id} of ${instance.subdomain} is off while the instance is running, and Hostflow did not stop it: ${then}`;
  return [{ key: `server_off:${server.id}`, kind: 'server_off', action, ...about, serverId: server.id, message }];
}

/** The instance's own A records at its name must all hold its address, and there must be one. */
function dnsFindings(instance: SeenInstance, owned: SeenRecord[], domain: string): Observed[] {
  if (instance.ipAddress === null) return [];
  const fqdn = instanceFqdn(instance.subdomain, domain);
  const atName = owned.filter((r) => r.type === 'A' && sameName(r.name, fqdn));
  const about = { instanceId: instance.id, subdomain: instance.subdomain, expected: instance.ipAddress, action: 'repair_dns' as const };
  if (atName.length === 0) {
    return [{ key: `dns_missing:${instance.id}`, kind: 'dns_missing', ...about, message: `${fqdn} has no A record: re-creating it for ${instance.ipAddress}` }];
  }
  return atName
    .filter((r) => r.content !== instance.ipAddress)
    .map((r) => ({
      key: `dns_mismatch:${r.id}`,
      kind: 'dns_mismatch' as const,
      ...about,
      recordId: r.id,
      found: r.content,
      message: `${fqdn} record ${r.id} points at ${r.content}, not ${instance.ipAddress}: repairing it`,
    }));
}

function orphanServer(server: SeenServer, input: CompareInput): Observed {
  const verdict = orphanVerdict(server.created, input);
  const owner = server.instanceId ? `instance ${server.instanceId}, which is not live` : 'no instance label';
  const message = `server ${server.id} (${server.name}) carries Hostflow's labels but has ${owner}; ${verdict.age} old: ${verdict.then}`;
  return { key: `orphan_server:${server.id}`, kind: 'orphan_server', action: verdict.action, serverId: server.id, instanceId: server.instanceId, createdAt: server.created, ageSeconds: verdict.ageSeconds, message };
}

function orphanRecord(record: SeenRecord, input: CompareInput): Observed {
  const verdict = orphanVerdict(record.createdOn, input);
  const message = `DNS record ${record.id} (${record.type} ${record.name} → ${record.content}) was made for instance ${record.instanceId}, which is not live; ${verdict.age} old: ${verdict.then}`;
  const when = record.createdOn !== null ? { createdAt: record.createdOn, ageSeconds: verdict.ageSeconds } : {};
  return { key: `orphan_record:${record.id}`, kind: 'orphan_record', action: verdict.action, recordId: record.id, instanceId: record.instanceId, ...when, message };
}

/** Whether an orphan may go now; the delete activity asks the same question again before deleting. */
export function orphanMayBeDeleted(createdAt: string | null, rules: DriftRules, now: Date): boolean {
  if (!rules.deleteOrphans || createdAt === null) return false;
  const created = Date.parse(createdAt);
  return Number.isFinite(created) && now.getTime() - created >= rules.orphanGraceMs;
}

function orphanVerdict(createdAt: string | null, input: CompareInput): { action: DriftAction; ageSeconds?: number; age: string; then: string } {
  const created = createdAt === null ? NaN : Date.parse(createdAt);
  const ageSeconds = Number.isFinite(created) ? Math.max(0, Math.floor((input.now.getTime() - created) / 1000)) : undefined;
  const age = ageSeconds === undefined ? 'of unknown age' : formatAge(ageSeconds);
  if (orphanMayBeDeleted(createdAt, input.rules, input.now)) return { action: 'delete_orphan', ageSeconds, age, then: 'deleting it' };
  const then = !input.rules.deleteOrphans ? 'DRIFT_DELETE_ORPHANS is off, left as it is' : 'left as it is until it is past the grace period';
  return { action: 'alert_only', ageSeconds, age, then };
}

export function formatAge(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return minutes > 0 ? `${minutes}m` : `${seconds}s`;
}

/** DNS names compare without case and without the root's trailing dot. */
const sameName = (a: string, b: string): boolean => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

function groupBy<T>(items: T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Kind by kind (DRIFT_KINDS' order), then by key: two sweeps of the same world list the same page. */
function sortFindings(findings: Observed[]): Observed[] {
  const rank = (f: Observed) => DRIFT_KINDS.indexOf(f.kind);
  return findings.sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
