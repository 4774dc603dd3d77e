// An operation request's checks and its sequence number in ONE statement, before the signal:
// claim the signed request's nonce, read the instance, find an earlier request with the same
// Idempotency-Key, count the queue, and take the next seq only when all of them allow it. Before
// this it was up to five round trips (nonce, instance, key, count, seq), each a wait on a busy
// machine (README, Benchmarks). The caller turns what the statement saw into the answer.
import type postgres from 'postgres';
import { nonceClaimCtes, type PendingNonce } from './auth/replay-store';
import type { Database } from '../schema/db';
import { instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import { fromJson } from './row-json';

/** The instance to act on: by its id (instance routes) or by its WHMCS service id (WHMCS webhooks). */
export type InstanceSelector = { id: string } | { whmcsServiceId: number };

export interface OperationReservation {
  selector: InstanceSelector;
  /** Statuses from which the operation can ever run; any other status takes no seq. */
  runnableFrom: readonly string[];
  /** false: refused for a reason the caller names (unknown plan, reserved key); no seq is taken. */
  acceptable: boolean;
  idempotencyKey: string | undefined;
  /** The queue's bound; null for a request never refused for a full queue (terminate). */
  maxQueued: number | null;
  /** The signed request's nonce, claimed here (absent: already claimed by the signature check). */
  nonce?: PendingNonce;
}

export type ReservationOutcome =
  | { kind: 'replayed' }
  | { kind: 'no-instance' }
  /** The instance as read; `previous` is the earlier request with the same key; `seq` is set when one was taken. */
  | { kind: 'read'; instance: InstanceRow; previous: OperationRow | undefined; queued: number; seq: number | undefined };

interface ResultRow {
  ok: boolean;
  instance: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  queued: number | null;
  seq: number | null;
}

export async function reserveOperation(db: Database, r: OperationReservation): Promise<ReservationOutcome> {
  const sql = (db as Database & { $client: postgres.Sql }).$client;
  const nonce = r.nonce;
  const selected = 'id' in r.selector ? sql`i.id = ${r.selector.id}` : sql`i.whmcs_service_id = ${r.selector.whmcsServiceId}::int`;
  const key = r.idempotencyKey ?? null;
  // One statement is one transaction: the nonce, the read and the seq commit together or not at all.
  const [row] = await sql<ResultRow[]>`
    with ${nonceClaimCtes(sql, nonce)},
    target as (
      select i.* from instances i
      where (select ok from go) and ${selected}
      limit 1
    ),
    prev as (
      select o.* from operations o join target t on o.instance_id = t.id
      where ${key}::text is not null and o.idempotency_key = ${key}::text
      limit 1
    ),
    queue as (
      select count(*)::int as n from operations o join target t on o.instance_id = t.id
      where ${r.maxQueued}::int is not null and o.status = 'queued'
    ),
    bump as (
      update instances i set operation_seq = i.operation_seq + 1
      from target t
      where i.id = t.id and t.status = any(${r.runnableFrom as string[]}::text[]) and ${r.acceptable}::boolean
        and not exists (select 1 from prev)
        and (${r.maxQueued}::int is null or (select n from queue) < ${r.maxQueued}::int)
      returning i.operation_seq as seq
    )
    select (select ok from go) as ok,
           (select to_json(x) from target x) as instance,
           (select to_json(x) from prev x) as previous,
           (select n from queue) as queued,
           (select seq from bump) as seq`;
  if (!row?.ok) return { kind: 'replayed' };
  if (nonce) nonce.claimed = true;
  if (!row.instance) return { kind: 'no-instance' };
  return {
    kind: 'read',
    instance: fromJson<InstanceRow>(instances, row.instance),
    previous: row.previous ? fromJson<OperationRow>(operations, row.previous) : undefined,
    queued: row.queued ?? 0,
    seq: row.seq ?? undefined,
  };
}
