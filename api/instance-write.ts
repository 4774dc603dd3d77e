// The create's read-model write in ONE round trip to Postgres: begin, the per-key lock, one
// statement (claim the request's nonce, find an earlier create with the same Idempotency-Key,
// insert the instance and its provision operation, or find the reference's existing instance),
// commit — pipelined on one reserved connection. Before this it was nine round trips (the nonce
// insert, begin, lock, select, two inserts, commit; more on the drizzle path), each a wait on a
// busy machine (README, Benchmarks).
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { nonceClaimCtes, type PendingNonce } from './auth/replay-store';
import type { Database } from '../schema/db';
import type { BillingSource } from '../workflows/billing-types';
import { instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import { provisionWorkflowId } from '../workflows/ids';
import { fromJson } from './row-json';

/** Who bills the instance, and its service / subscription id there: one instance per reference. */
export interface BillingReference {
  source: BillingSource;
  ref: string;
}

/** An instance to create, whichever billing system ordered it (WHMCS body, Paddle or Stripe event). */
export interface InstanceOrder {
  reference: BillingReference;
  /** WHMCS orders only (their routes and fields stay as they were). */
  whmcs?: { serviceId: number; clientId: number };
  /** The billing system's customer id (Paddle ctm_…, Stripe cus_…). */
  customer?: string;
  email: string;
  plan: string;
  region: string;
  subdomain: string;
  sshKeys: string[];
}

/** What one create asks the read model for: the order, and the request it came in. */
export interface InstanceWrite extends InstanceOrder {
  idempotencyKey: string | undefined;
  requestHash: string;
  requestedBy: string;
  /** The signed request's nonce, claimed in the same statement (absent: a provider webhook's create). */
  nonce?: PendingNonce;
}

export type WriteOutcome =
  | { kind: 'inserted'; instance: InstanceRow; operation: OperationRow }
  /** An earlier create with the same Idempotency-Key (its hash is compared by the caller). */
  | { kind: 'same-key'; instance: InstanceRow | undefined; operation: OperationRow }
  /** The reference already had an instance (committed before this statement began). */
  | { kind: 'existing'; instance: InstanceRow; operation: OperationRow | undefined }
  /** The nonce was already in the replay table. */
  | { kind: 'replayed' }
  /** Nothing inserted and nothing visible: another create of the same reference committed meanwhile. */
  | { kind: 'raced' };

interface ResultRow {
  ok: boolean;
  inserted_instance: Record<string, unknown> | null;
  inserted_operation: Record<string, unknown> | null;
  prev_operation: Record<string, unknown> | null;
  prev_instance: Record<string, unknown> | null;
  existing_instance: Record<string, unknown> | null;
  existing_operation: Record<string, unknown> | null;
}

/**
 * Runs the write; a unique violation (subdomain or service id taken) or any other error rejects
 * with the transaction rolled back, nonce included.
 */
export async function writeInstanceOnce(db: Database, w: InstanceWrite): Promise<WriteOutcome> {
  // drizzle keeps its postgres.js client as $client (not in the Database type alias).
  const sql = (db as Database & { $client: postgres.Sql }).$client;
  const id = randomUUID();
  const key = w.idempotencyKey ?? null;
  const nonce = w.nonce;
  const connection = await sql.reserve();
  try {
    // Issued back to back without waiting: postgres.js pipelines them on the reserved connection,
    // and Postgres runs them in order, each statement with a fresh snapshot (read committed), so
    // the main statement sees whatever an earlier holder of the key's lock committed.
    const statements: (Promise<unknown> & { execute(): unknown })[] = [connection`begin`];
    if (key !== null) {
      // Serialises creates that share a key, so "same key, other body" is caught even when both
      // arrive at once (no unique index spans instances for a create's key).
      statements.push(connection`select pg_advisory_xact_lock(hashtextextended(${`hostflow:create:${key}`}, 0))`);
    }
    const main = connection<ResultRow[]>`
      with ${nonceClaimCtes(connection, nonce)},
      prev as (
        select o.* from operations o
        where (select ok from go) and ${key}::text is not null and o.type = 'provision' and o.idempotency_key = ${key}::text
        limit 1
      ),
      ins_i as (
        insert into instances (id, whmcs_service_id, whmcs_client_id, billing_source, billing_ref, billing_customer,
                               email, plan, region, subdomain, ssh_keys, status, operation_seq)
        select ${id}, ${w.whmcs?.serviceId ?? null}::int, ${w.whmcs?.clientId ?? null}::int, ${w.reference.source}, ${w.reference.ref},
               ${w.customer ?? null}::text, ${w.email}, ${w.plan}, ${w.region}, ${w.subdomain}, ${JSON.stringify(w.sshKeys)}::jsonb,
               'provisioning', 1
        where (select ok from go) and not exists (select 1 from prev)
        on conflict (billing_source, billing_ref) do nothing
        returning *
      ),
      ins_o as (
        insert into operations (id, instance_id, seq, type, status, args, idempotency_key, request_hash, workflow_id, requested_by)
        select ${randomUUID()}, ins_i.id, 1, 'provision', 'queued', '{}'::jsonb, ${key}::text, ${w.requestHash},
               ${provisionWorkflowId(id)}, ${w.requestedBy}
        from ins_i
        returning *
      ),
      existing as (
        select i.* from instances i
        where (select ok from go) and not exists (select 1 from prev)
          and i.billing_source = ${w.reference.source} and i.billing_ref = ${w.reference.ref}
      ),
      existing_o as (
        select o.* from operations o join existing e on o.instance_id = e.id
        where o.type = 'provision' order by o.seq limit 1
      )
      select (select ok from go) as ok,
             (select to_json(x) from ins_i x) as inserted_instance,
             (select to_json(x) from ins_o x) as inserted_operation,
             (select to_json(x) from prev x) as prev_operation,
             (select to_json(i) from instances i where i.id = (select instance_id from prev)) as prev_instance,
             (select to_json(x) from existing x) as existing_instance,
             (select to_json(x) from existing_o x) as existing_operation`;
    statements.push(main, connection`commit`);
    for (const statement of statements) void statement.execute();
    const settled = await Promise.allSettled(statements);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // After a failed statement Postgres skips to the commit, which then rolls back.
    if (failed) throw failed.reason;
    const [row] = await main;
    if (!row?.ok) return { kind: 'replayed' };
    if (nonce) nonce.claimed = true;
    const instance = (json: Record<string, unknown> | null) => (json ? fromJson<InstanceRow>(instances, json) : undefined);
    const operation = (json: Record<string, unknown> | null) => (json ? fromJson<OperationRow>(operations, json) : undefined);
    const inserted = instance(row.inserted_instance);
    if (inserted) {
      const op = operation(row.inserted_operation);
      if (!op) throw new Error('provision operation was not written');
      return { kind: 'inserted', instance: inserted, operation: op };
    }
    const previous = operation(row.prev_operation);
    if (previous) return { kind: 'same-key', instance: instance(row.prev_instance), operation: previous };
    const existing = instance(row.existing_instance);
    if (existing) return { kind: 'existing', instance: existing, operation: operation(row.existing_operation) };
    return { kind: 'raced' };
  } finally {
    connection.release();
  }
}
