// The drift sweep's activities (workflows/fleet-types.ts FleetActivities): findDrift reads the
// providers and the read model, applies the rules (drift-compare.ts) and keeps the episode book
// (drift-episodes.ts); repairDnsRecord and deleteOrphan carry out one finding each, re-checking
// first. The payload stays small: findings and counts, never a provider listing.
import type { DriftFinding, DriftScan, FleetActivities } from '../workflows/fleet-types';
import type { ActivityDeps } from './deps';
import { compareDrift, isCompared } from './drift-compare';
import { repairDnsRecord } from './drift-dns-repair';
import { readOpenEpisodes, recordSweep } from './drift-episodes';
import { takeInventory } from './drift-inventory';
import { deleteOrphan } from './drift-orphan-delete';
import { selectFindings } from './drift-select';

export type DriftDeps = Pick<ActivityDeps, 'db' | 'hetzner' | 'dns' | 'fleet' | 'domain'>;

export function createDriftActivities(deps: DriftDeps): Pick<FleetActivities, 'findDrift' | 'repairDnsRecord' | 'deleteOrphan'> {
  return {
    findDrift: (input) => findDrift(deps, input),
    repairDnsRecord: (finding: DriftFinding) => repairDnsRecord(deps, finding),
    deleteOrphan: (finding: DriftFinding) => deleteOrphan(deps, finding),
  };
}

async function findDrift(deps: DriftDeps, input: { sweepId: string }): Promise<DriftScan> {
  const inventory = await takeInventory(deps);
  const observed = compareDrift({ inventory, rules: deps.fleet, domain: deps.domain, now: new Date() });
  const openEpisodes = await readOpenEpisodes(deps.db);
  const { findings, toOpen, truncated } = selectFindings(observed, openEpisodes, input.sweepId, deps.fleet.maxFindingsPerSweep);
  const notCompared = inventory.instances.filter((i) => !isCompared(i)).map((i) => i.id);
  const outcome = await recordSweep(deps.db, { sweepId: input.sweepId, toOpen, seen: observed, notCompared });
  return {
    findings: findings.map((f) => ({ ...f, episodeId: episodeOf(outcome.openEpisodes, f.key) })),
    resolved: outcome.resolved,
    truncated,
    counts: { servers: inventory.servers.length, records: inventory.records.length, instances: inventory.instances.length, open: outcome.openEpisodes.size },
  };
}

/** Every finding on the page has an open episode once recordSweep is done; one without is a bug. */
function episodeOf(openEpisodes: Map<string, number>, key: string): number {
  const id = openEpisodes.get(key);
  if (id === undefined) throw new Error(`drift finding ${key} has no open episode after the sweep recorded it`);
  return id;
}
