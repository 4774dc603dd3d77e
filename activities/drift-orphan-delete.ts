// deleteOrphan: the drift sweep's only destructive step. Everything the finding claimed is asked
// again at the source just before the delete: the resource still carries Hostflow's label or
// comment, its instance is still not live, DRIFT_DELETE_ORPHANS is still on, and the provider's
// own creation time is past the grace period. Already gone counts as done.
import type { DriftFinding } from '../workflows/fleet-types';
import type { ActivityDeps } from './deps';
import { ownerOf } from './dns-ownership';
import { formatAge, orphanMayBeDeleted } from './drift-compare';
import { hasLiveInstance, malformed } from './drift-recheck';
import { callProvider } from './errors';
import { INSTANCE_LABEL } from './servers';
import { MANAGED_LABEL } from './ssh-keys';

export type OrphanDeleteDeps = Pick<ActivityDeps, 'db' | 'hetzner' | 'dns' | 'fleet'>;

export async function deleteOrphan(deps: OrphanDeleteDeps, finding: DriftFinding): Promise<string> {
  if (finding.kind === 'orphan_server') return deleteOrphanServer(deps, finding);
  if (finding.kind === 'orphan_record') return deleteOrphanRecord(deps, finding);
  throw malformed(finding, 'orphan kind');
}

async function deleteOrphanServer(deps: OrphanDeleteDeps, finding: DriftFinding): Promise<string> {
  const id = finding.serverId;
  if (id === undefined) throw malformed(finding, 'server id');
  const server = await callProvider(`read orphan server ${id}`, () => deps.hetzner.getServer(id));
  if (!server) return `server ${id}: already gone`;
  if (server.labels[MANAGED_LABEL] !== 'true') return `server ${id}: kept, it no longer carries ${MANAGED_LABEL}=true`;
  const keep = await reasonToKeep(deps, server.labels[INSTANCE_LABEL], server.created);
  if (keep !== undefined) return `server ${id}: kept, ${keep}`;
  const actionId = await callProvider(`delete orphan server ${id}`, () => deps.hetzner.deleteServer(id));
  return actionId === null ? `server ${id}: already gone` : `server ${id} (${server.name}) deleted, an orphan created ${server.created}`;
}

async function deleteOrphanRecord(deps: OrphanDeleteDeps, finding: DriftFinding): Promise<string> {
  const id = finding.recordId;
  if (id === undefined) throw malformed(finding, 'record id');
  const record = await callProvider(`read orphan DNS record ${id}`, () => deps.dns.getRecord(id));
  if (!record) return `DNS record ${id}: already gone`;
  const owner = ownerOf(record);
  if (owner === undefined) return `DNS record ${id}: kept, it no longer carries Hostflow's comment`;
  const keep = await reasonToKeep(deps, owner, record.createdOn);
  if (keep !== undefined) return `DNS record ${id}: kept, ${keep}`;
  const deleted = await callProvider(`delete orphan DNS record ${id}`, () => deps.dns.deleteRecord(id));
  return deleted ? `DNS record ${id} (${record.type} ${record.name} → ${record.content}) deleted, an orphan of instance ${owner}` : `DNS record ${id}: already gone`;
}

/** Undefined when the orphan may go now; otherwise why it stays. */
async function reasonToKeep(deps: OrphanDeleteDeps, instanceId: string | undefined, createdAt: string | null): Promise<string | undefined> {
  if (!deps.fleet.deleteOrphans) return 'DRIFT_DELETE_ORPHANS is off';
  if (await hasLiveInstance(deps.db, instanceId)) return `instance ${instanceId} is live`;
  if (!orphanMayBeDeleted(createdAt, deps.fleet, new Date())) {
    const age = createdAt === null ? 'unknown' : formatAge(Math.max(0, Math.floor((Date.now() - Date.parse(createdAt)) / 1000)));
    return `not past the ${formatAge(Math.floor(deps.fleet.orphanGraceMs / 1000))} grace period (age ${age})`;
  }
  return undefined;
}
