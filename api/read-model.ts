// Queries the API makes against the read model. Writes are in create-instance.ts and
// request-operation.ts; everything else in the tables is written by the worker's activities.
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instanceHealth, instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { InstanceView } from './schemas';
import { instanceView, type InstanceHealthRow } from './views';

// Instance and operation ids are UUIDs; anything else cannot exist, so it is a 404 without a query.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

export async function findInstance(db: Database, id: string): Promise<InstanceRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(instances).where(eq(instances.id, id)).limit(1);
  return row;
}

export async function findInstanceByServiceId(db: Database, serviceId: number): Promise<InstanceRow | undefined> {
  const [row] = await db.select().from(instances).where(eq(instances.whmcsServiceId, serviceId)).limit(1);
  return row;
}

/** The instance of a billing reference (WHMCS: source whmcs, the service id as a string). */
export async function findInstanceByReference(db: Database, reference: { source: string; ref: string }): Promise<InstanceRow | undefined> {
  const [row] = await db
    .select()
    .from(instances)
    .where(and(eq(instances.billingSource, reference.source), eq(instances.billingRef, reference.ref)))
    .limit(1);
  return row;
}

export async function findOperation(db: Database, instanceId: string, operationId: string): Promise<OperationRow | undefined> {
  if (!isUuid(operationId)) return undefined;
  const [row] = await db
    .select()
    .from(operations)
    .where(and(eq(operations.instanceId, instanceId), eq(operations.id, operationId)))
    .limit(1);
  return row;
}

export async function findOperationByKey(db: Database, instanceId: string, key: string): Promise<OperationRow | undefined> {
  const [row] = await db
    .select()
    .from(operations)
    .where(and(eq(operations.instanceId, instanceId), eq(operations.idempotencyKey, key)))
    .limit(1);
  return row;
}

/** One page of an instance's operations in seq order, after `afterSeq`; `nextAfterSeq` is set when more follow. */
export async function listOperations(
  db: Database,
  instanceId: string,
  page: { afterSeq: number; limit: number },
): Promise<{ rows: OperationRow[]; nextAfterSeq: number | null }> {
  const rows = await db
    .select()
    .from(operations)
    .where(and(eq(operations.instanceId, instanceId), gt(operations.seq, page.afterSeq)))
    .orderBy(asc(operations.seq), asc(operations.createdAt))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  return { rows: shown, nextAfterSeq: more ? (shown[shown.length - 1]?.seq ?? null) : null };
}

/** What the health sweep last recorded; undefined until it first checks the instance. */
export async function findInstanceHealth(db: Database, instanceId: string): Promise<InstanceHealthRow | undefined> {
  const [row] = await db.select().from(instanceHealth).where(eq(instanceHealth.instanceId, instanceId)).limit(1);
  return row;
}

export async function loadInstanceView(db: Database, row: InstanceRow, domain: string): Promise<InstanceView> {
  const [current, health] = await Promise.all([
    row.currentOperationId ? findOperation(db, row.id, row.currentOperationId) : undefined,
    findInstanceHealth(db, row.id),
  ]);
  return instanceView(row, current ?? null, health ?? null, domain);
}
