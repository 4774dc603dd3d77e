// Queries the API makes against the read model. Writes are in create-instance.ts and
// request-operation.ts; everything else in the tables is written by the worker's activities.
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { InstanceView } from './schemas';
import { instanceView } from './views';

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

export async function listOperations(db: Database, instanceId: string): Promise<OperationRow[]> {
  return db.select().from(operations).where(eq(operations.instanceId, instanceId)).orderBy(asc(operations.seq), asc(operations.createdAt));
}

export async function loadInstanceView(db: Database, row: InstanceRow, domain: string): Promise<InstanceView> {
  const current = row.currentOperationId ? await findOperation(db, row.id, row.currentOperationId) : undefined;
  return instanceView(row, current ?? null, domain);
}
