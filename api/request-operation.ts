// Suspend, unsuspend, reboot, resize and terminate: take the next operation number, signal the
// entity workflow, then record the operation. Signal first, so a failed signal writes nothing;
// a crash after the signal loses only the row, which the workflow writes as the operation runs.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { ApiCatalog } from '../config/api-config';
import type { Database } from '../schema/db';
import { instances, operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { OperationArgs } from '../workflows/domain';
import { operationWorkflowId } from '../workflows/ids';
import type { InstanceStatus, OperationType } from '../workflows/statuses';
import { canEverRun } from '../workflows/transitions';
import { PROVISION_IDEMPOTENCY_KEY } from './create-instance';
import { ApiError } from './errors';
import { assertSameRequest, operationIdForKey, requestHash } from './idempotency';
import { refuseWhenQueueFull } from './operation-queue-limit';
import { findOperationByKey } from './read-model';
import { EntityWorkflowGoneError, type TemporalGateway } from './temporal-gateway';

export type RequestableOperation = Exclude<OperationType, 'provision'>;

export interface OperationContext {
  requestedBy: string;
  idempotencyKey: string | undefined;
}

type Deps = { db: Database; temporal: TemporalGateway; catalog: ApiCatalog; maxQueuedOperations: number };

export async function requestOperation(deps: Deps, instance: InstanceRow, type: RequestableOperation, args: OperationArgs, context: OperationContext): Promise<OperationRow> {
  const { db } = deps;
  refuseWhatCanNeverRun(deps.catalog, instance, type, args);
  const hash = requestHash(type, args);
  const key = context.idempotencyKey;
  refuseProvisionKey(key);
  if (key !== undefined) {
    const previous = await findOperationByKey(db, instance.id, key);
    if (previous) return sameRequestOr409(previous, hash);
  }
  // After the key lookup, so a retried request still gets its operation back.
  if (type !== 'terminate') await refuseWhenQueueFull(db, instance.id, deps.maxQueuedOperations);

  const [next] = await db
    .update(instances)
    .set({ operationSeq: sql`${instances.operationSeq} + 1` })
    .where(eq(instances.id, instance.id))
    .returning({ seq: instances.operationSeq });
  if (!next) throw new ApiError('NOT_FOUND', 'no such instance');

  const operationId = key === undefined ? randomUUID() : operationIdForKey(instance.id, key);
  await signalEntity(deps.temporal, instance.id, { operationId, type, seq: next.seq, args, ...(key !== undefined ? { idempotencyKey: key } : {}), requestedBy: context.requestedBy });
  return recordOperation(db, instance.id, { operationId, type, seq: next.seq, args, key, hash, requestedBy: context.requestedBy });
}

/** The early refusals: a request that no queued operation could ever make valid, or a reserved key. */
function refuseWhatCanNeverRun(catalog: ApiCatalog, instance: InstanceRow, type: RequestableOperation, args: OperationArgs): void {
  const verdict = canEverRun(type, instance.status as InstanceStatus);
  if (!verdict.ok) throw new ApiError('INVALID_TRANSITION', verdict.reason);
  if (type === 'resize' && !(typeof args.plan === 'string' && Object.hasOwn(catalog.serverTypes, args.plan))) {
    throw new ApiError('INVALID_TRANSITION', `${String(args.plan)} is not a plan of the catalog`, [{ path: 'plan', message: 'unknown plan' }]);
  }
}

/** The entity already holds this key for the instance's provision: it would take the request for that one and never run it. */
function refuseProvisionKey(key: string | undefined): void {
  if (key !== PROVISION_IDEMPOTENCY_KEY) return;
  throw new ApiError('CONFLICT', `Idempotency-Key "${key}" is the instance's provision request`, [{ path: 'Idempotency-Key', message: 'reserved' }]);
}

async function signalEntity(temporal: TemporalGateway, instanceId: string, request: Parameters<TemporalGateway['requestOperation']>[1]): Promise<void> {
  try {
    await temporal.requestOperation(instanceId, request);
  } catch (error) {
    if (error instanceof EntityWorkflowGoneError) {
      throw new ApiError('INVALID_TRANSITION', "the instance's workflow has ended; it accepts no more operations");
    }
    throw error;
  }
}

/** Write the operation's row; if a concurrent request with the same key (or the workflow) wrote it first, answer that one. */
async function recordOperation(
  db: Database,
  instanceId: string,
  op: { operationId: string; type: RequestableOperation; seq: number; args: OperationArgs; key: string | undefined; hash: string; requestedBy: string },
): Promise<OperationRow> {
  const [inserted] = await db
    .insert(operations)
    .values({
      id: op.operationId,
      instanceId,
      seq: op.seq,
      type: op.type,
      status: 'queued',
      args: op.args as Record<string, unknown>,
      idempotencyKey: op.key ?? null,
      requestHash: op.hash,
      workflowId: operationWorkflowId(instanceId, op.type, op.seq),
      requestedBy: op.requestedBy,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  const winner = op.key !== undefined ? await findOperationByKey(db, instanceId, op.key) : undefined;
  const row = winner ?? (await db.select().from(operations).where(eq(operations.id, op.operationId)).limit(1))[0];
  if (!row) throw new Error(`operation ${op.operationId} neither inserted nor found`);
  return sameRequestOr409(row, op.hash);
}

function sameRequestOr409(row: OperationRow, hash: string): OperationRow {
  assertSameRequest(row.requestHash, hash);
  return row;
}
