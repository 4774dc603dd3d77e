// Suspend, unsuspend, reboot, resize, terminate and the VPS operations: check the request and take
// the next operation number in one statement (api/operation-write.ts), signal the entity workflow,
// then record the operation. Signal first, so a failed signal writes nothing but a skipped seq;
// a crash after the signal loses only the row, which the workflow writes as the operation runs.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { ApiCatalog } from '../config/api-config';
import type { Database } from '../schema/db';
import { operations, type InstanceRow, type OperationRow } from '../schema/tables';
import type { OperationArgs } from '../workflows/domain';
import { operationWorkflowId } from '../workflows/ids';
import { INSTANCE_STATUSES, type InstanceStatus, type OperationType } from '../workflows/statuses';
import { canEverRun } from '../workflows/transitions';
import { PROVISION_IDEMPOTENCY_KEY } from './create-instance';
import { ApiError } from './errors';
import { assertSameRequest, operationIdForKey, requestHash } from './idempotency';
import type { PendingNonce } from './auth/replay-store';
import { replayRefusal } from './auth/signature';
import { refuseWhenQueueFull } from './operation-queue-limit';
import { reserveOperation, type InstanceSelector } from './operation-write';
import { findOperationByKey, isUuid } from './read-model';
import { EntityWorkflowGoneError, type TemporalGateway } from './temporal-gateway';

export type RequestableOperation = Exclude<OperationType, 'provision'>;

export interface OperationContext {
  requestedBy: string;
  idempotencyKey: string | undefined;
  /** A signed request's nonce, claimed in the reservation's statement (routes on signedWrite). */
  nonce?: PendingNonce;
}

export type { InstanceSelector } from './operation-write';

type Deps = { db: Database; temporal: TemporalGateway; catalog: ApiCatalog; maxQueuedOperations: number };

export async function requestOperation(
  deps: Deps,
  selector: InstanceSelector,
  type: RequestableOperation,
  args: OperationArgs,
  context: OperationContext,
): Promise<{ instance: InstanceRow; operation: OperationRow }> {
  const { db } = deps;
  const hash = requestHash(type, args);
  const key = context.idempotencyKey;
  // Not a UUID: no instance can have that id, so no query (the route's error path still claims the nonce).
  if ('id' in selector && !isUuid(selector.id)) throw notFound(selector);
  const maxQueued = type === 'terminate' ? null : deps.maxQueuedOperations;
  const reserved = await reserveOperation(db, {
    selector,
    runnableFrom: runnableFrom(type),
    acceptable: planIsKnown(deps.catalog, type, args) && key !== PROVISION_IDEMPOTENCY_KEY,
    idempotencyKey: key,
    maxQueued,
    nonce: context.nonce,
  });
  if (reserved.kind === 'replayed') throw replayRefusal();
  if (reserved.kind === 'no-instance') throw notFound(selector);
  // In the order the refusals have always come: what can never run, the reserved key, the key's earlier request, the queue.
  const { instance } = reserved;
  refuseWhatCanNeverRun(deps.catalog, instance, type, args);
  refuseProvisionKey(key);
  if (reserved.previous) return { instance, operation: sameRequestOr409(reserved.previous, hash) };
  if (maxQueued !== null) refuseWhenQueueFull(reserved.queued, maxQueued);
  if (reserved.seq === undefined) throw notFound(selector);
  const seq = reserved.seq;

  const operationId = key === undefined ? randomUUID() : operationIdForKey(instance.id, key);
  await signalEntity(deps.temporal, instance.id, { operationId, type, seq, args, ...(key !== undefined ? { idempotencyKey: key } : {}), requestedBy: context.requestedBy });
  const operation = await recordOperation(db, instance.id, { operationId, type, seq, args, key, hash, requestedBy: context.requestedBy });
  return { instance, operation };
}

function notFound(selector: InstanceSelector): ApiError {
  return new ApiError('NOT_FOUND', 'id' in selector ? 'no such instance' : `no instance for service ${selector.whmcsServiceId}`);
}

/** The statuses an operation of this type can ever run from (the statement takes no seq from any other). */
function runnableFrom(type: RequestableOperation): InstanceStatus[] {
  return INSTANCE_STATUSES.filter((status) => canEverRun(type, status).ok);
}

function planIsKnown(catalog: ApiCatalog, type: RequestableOperation, args: OperationArgs): boolean {
  return type !== 'resize' || (typeof args.plan === 'string' && Object.hasOwn(catalog.serverTypes, args.plan));
}

/** The early refusals: a request that no queued operation could ever make valid, or a reserved key. */
function refuseWhatCanNeverRun(catalog: ApiCatalog, instance: InstanceRow, type: RequestableOperation, args: OperationArgs): void {
  const verdict = canEverRun(type, instance.status as InstanceStatus);
  if (!verdict.ok) throw new ApiError('INVALID_TRANSITION', verdict.reason);
  if (!planIsKnown(catalog, type, args)) {
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
