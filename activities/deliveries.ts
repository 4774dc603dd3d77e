// At-most-once bookkeeping for e-mails and webhooks: a row per (instance, operation, kind).
// A retried activity that finds the row `sent` does nothing; one that finds it `pending` sends
// again (the earlier attempt died before it could know), with the same Message-ID or
// Idempotency-Key so the receiver can drop the copy.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { deliveries } from '../schema/tables';

export interface DeliveryKey {
  instanceId: string;
  operationId: string;
  kind: string;
}

export const deliveryKey = (k: DeliveryKey): string => `${k.instanceId}:${k.operationId}:${k.kind}`;

/** true when this delivery is still owed: a new row, or one still `pending` (an earlier attempt
 * died before it knew). One statement: the insert, or the bump of a pending row's attempts. */
export async function claimDelivery(db: Database, k: DeliveryKey): Promise<boolean> {
  const [row] = await db
    .insert(deliveries)
    .values({ key: deliveryKey(k), instanceId: k.instanceId, operationId: k.operationId, kind: k.kind, status: 'pending', attempts: 1 })
    .onConflictDoUpdate({
      target: deliveries.key,
      set: { attempts: sql`${deliveries.attempts} + 1`, updatedAt: new Date() },
      setWhere: eq(deliveries.status, 'pending'),
    })
    .returning({ key: deliveries.key });
  return row !== undefined;
}

export async function markDelivered(db: Database, k: DeliveryKey): Promise<void> {
  await db.update(deliveries).set({ status: 'sent', sentAt: new Date(), lastError: null, updatedAt: new Date() }).where(eq(deliveries.key, deliveryKey(k)));
}

export async function markDeliveryFailed(db: Database, k: DeliveryKey, error: string): Promise<void> {
  await db.update(deliveries).set({ lastError: error.slice(0, 2000), updatedAt: new Date() }).where(eq(deliveries.key, deliveryKey(k)));
}
