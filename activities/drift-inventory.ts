// What the drift sweep compares: Hostflow's servers at Hetzner (by label, 50 a page), Hostflow's
// records at Cloudflare (by comment marker, paged) and the read model's live instances (in
// batches). The providers are read first: a server or record made after its instance row exists
// is then never mistaken for an orphan by a sweep that read the instances before it.
import { and, asc, gt, notInArray } from 'drizzle-orm';
import { instances } from '../schema/tables';
import type { ActivityDeps } from './deps';
import { ownerOf } from './dns-ownership';
import { callProvider } from './errors';
import type { HetznerServer } from './hetzner-client';
import { selectorOf } from './hetzner-list';
import { INSTANCE_LABEL } from './servers';
import { MANAGED_LABEL } from './ssh-keys';

/** States whose instance no longer owns anything at the providers. */
export const DEAD_STATES = ['terminated', 'failed'] as const;
/** Both ownership markers (dns-ownership.ts) start with this; ownerOf then reads them exactly. */
const COMMENT_PREFIX = 'hostflow';
const INSTANCE_BATCH = 1000;

export interface SeenServer {
  id: number;
  name: string;
  status: HetznerServer['status'];
  /** The `hostflow-instance` label; absent on a server that lost it. */
  instanceId: string | undefined;
  created: string;
}

export interface SeenRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  /** The instance the ownership comment names. */
  instanceId: string;
  createdOn: string | null;
}

export interface SeenInstance {
  id: string;
  status: string;
  subdomain: string;
  serverId: number | null;
  ipAddress: string | null;
  currentOperationId: string | null;
}

export interface DriftInventory {
  servers: SeenServer[];
  records: SeenRecord[];
  /** Every instance not terminated or failed. */
  instances: SeenInstance[];
}

export type InventoryDeps = Pick<ActivityDeps, 'db' | 'hetzner' | 'dns'>;

export async function takeInventory(deps: InventoryDeps): Promise<DriftInventory> {
  const servers = await listManagedServers(deps);
  const records = await listOwnedRecords(deps);
  const live = await listLiveInstances(deps);
  return { servers, records, instances: live };
}

async function listManagedServers(deps: InventoryDeps): Promise<SeenServer[]> {
  const labelSelector = selectorOf({ [MANAGED_LABEL]: 'true' });
  const servers = await callProvider('list the servers labelled hostflow-managed=true', () => deps.hetzner.listServers({ labelSelector }));
  return servers.map((s) => ({ id: s.id, name: s.name, status: s.status, instanceId: s.labels[INSTANCE_LABEL], created: s.created }));
}

async function listOwnedRecords(deps: InventoryDeps): Promise<SeenRecord[]> {
  const records = await callProvider("list the DNS records carrying Hostflow's comment", () => deps.dns.findRecordsByComment(COMMENT_PREFIX));
  return records.flatMap((r) => {
    const instanceId = ownerOf(r);
    return instanceId === undefined ? [] : [{ id: r.id, name: r.name, type: r.type, content: r.content, instanceId, createdOn: r.createdOn }];
  });
}

/** Keyset pages by id, so a large fleet is never one huge result. */
async function listLiveInstances(deps: InventoryDeps): Promise<SeenInstance[]> {
  const rows: SeenInstance[] = [];
  for (let after = ''; ; ) {
    const batch = await deps.db
      .select({
        id: instances.id,
        status: instances.status,
        subdomain: instances.subdomain,
        serverId: instances.serverId,
        ipAddress: instances.ipAddress,
        currentOperationId: instances.currentOperationId,
      })
      .from(instances)
      .where(and(gt(instances.id, after), notInArray(instances.status, [...DEAD_STATES])))
      .orderBy(asc(instances.id))
      .limit(INSTANCE_BATCH);
    rows.push(...batch);
    if (batch.length < INSTANCE_BATCH) return rows;
    after = batch[batch.length - 1]!.id;
  }
}
