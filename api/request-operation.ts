// Suspend, unsuspend, reboot, resize and terminate: take the next operation number, signal the
// entity workflow, then record the operation. Signal first, so a failed signal writes nothing;
// a crash after the signal loses only the row, which the workflow writes as the operation runs.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Catalog } from '../config/catalog';
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

export async function requestOperation(
  deps: { db: Database; temporal: TemporalGateway; catalog: Catalog; maxQueuedOperations: number },
  instance: InstanceRow,
  type: RequestableOperation,
  args: OperationArgs,
  context: OperationContext,
): Promise<OperationRow> {
  const { db } = deps;
  const verdict = canEverRun(type, instance.status as InstanceStatus);
  if (!verdict.ok) throw new ApiError('INVALID_TRANSITION', verdict.reason);
  if (type === 'resize' && !(typeof args.plan === 'string' && Object.hasOwn(deps.catalog.serverTypes, args.plan))) {
    throw new ApiError('INVALID_TRANSITION', `${String(args.plan)} is not a plan of the catalog`, [{ path: 'plan', message: 'unknown plan' }]);
  }

  const hash = requestHash(type, args);
  const key = context.idempotencyKey;
  if (key === PROVISION_IDEMPOTENCY_KEY) {
    // The entity workflow already holds this key for the instance's provision: it would take
    // this request for that one and never run it.
    throw new ApiError('CONFLICT', `Idempotency-Key "${key}" is the instance's provision request`, [
      { path: 'Idempotency-Key', message: 'reserved' },
    ]);
  }
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
  try {
    await deps.temporal.requestOperation(instance.id, {
      operationId,
      type,
      seq: next.seq,
      args,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      requestedBy: context.requestedBy,
    });
  } catch (error) {
    if (error instanceof EntityWorkflowGoneError) {
      throw new ApiError('INVALID_TRANSITION', "the instance's workflow has ended; it accepts no more operations");
    }
    throw error;
  }

  const [inserted] = await db
    .insert(operations)
    .values({
      id: operationId,
      instanceId: instance.id,
      seq: next.seq,
      type,
      status: 'queued',
      args: args as Record<string, unknown>,
      idempotencyKey: key ?? null,
      requestHash: hash,
      workflowId: operationWorkflowId(instance.id, type, next.seq),
      requestedBy: context.requestedBy,
    })
    // Lost to a concurrent request with the same key, or the workflow already wrote the row.
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  const winner = key !== undefined ? await findOperationByKey(db, instance.id, key) : undefined;
  const row = winner ?? (await db.select().from(operations).where(eq(operations.id, operationId)).limit(1))[0];
  if (!row) throw new Error(`operation ${operationId} neither inserted nor found`);
  return sameRequestOr409(row, hash);
}

function sameRequestOr409(row: OperationRow, hash: string): OperationRow {
  assertSameRequest(row.requestHash, hash);
  return row;
}
