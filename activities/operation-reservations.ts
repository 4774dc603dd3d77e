// Operations the entity allocates itself (a grace expiry's suspend or terminate, a payment's
// unsuspend): the next number of the instance and a queued operation row, in one transaction, as
// the API does for a request. The entity's reservation key is stored as the row's idempotency key,
// so a retried attempt finds the row the first one wrote instead of burning another number.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instances, operations } from '../schema/tables';
import type { OperationArgs } from '../workflows/domain';
import { operationWorkflowId } from '../workflows/ids';
import type { OperationType } from '../workflows/statuses';

export interface OperationReservation {
  instanceId: string;
  type: OperationType;
  args: OperationArgs;
  /** Who asks, e.g. billing:grace, billing:paddle. */
  requestedBy: string;
  /** Unique per reservation of the entity (e.g. the event id or the grace deadline it belongs to). */
  reservationKey: string;
}

/** The idempotency key of a reserved operation; the prefix keeps it apart from API callers' keys. */
export const reservationIdempotencyKey = (r: Pick<OperationReservation, 'requestedBy' | 'reservationKey'>): string =>
  `reservation:${r.requestedBy}:${r.reservationKey}`;

export async function reserveOperation(db: Database, input: OperationReservation): Promise<{ operationId: string; seq: number }> {
  const key = reservationIdempotencyKey(input);
  return db.transaction(async (tx) => {
    // Takes the instance row's lock first, so two reservations (or an API request) never share a number.
    const [instance] = await tx
      .update(instances)
      .set({ operationSeq: sql`${instances.operationSeq} + 1` })
      .where(eq(instances.id, input.instanceId))
      .returning({ seq: instances.operationSeq });
    if (!instance) throw new Error(`instance ${input.instanceId} is not in the read model`);
    const [earlier] = await tx
      .select({ id: operations.id, seq: operations.seq })
      .from(operations)
      .where(and(eq(operations.instanceId, input.instanceId), eq(operations.idempotencyKey, key)))
      .limit(1);
    if (earlier) {
      // Give the number back: the retry reuses the first attempt's row.
      await tx.update(instances).set({ operationSeq: sql`${instances.operationSeq} - 1` }).where(eq(instances.id, input.instanceId));
      return { operationId: earlier.id, seq: earlier.seq };
    }
    const id = randomUUID();
    await tx.insert(operations).values({
      id,
      instanceId: input.instanceId,
      seq: instance.seq,
      type: input.type,
      status: 'queued',
      args: input.args as Record<string, unknown>,
      idempotencyKey: key,
      workflowId: operationWorkflowId(input.instanceId, input.type, instance.seq),
      requestedBy: input.requestedBy,
    });
    return { operationId: id, seq: instance.seq };
  });
}
