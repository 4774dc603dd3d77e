// At-most-once bookkeeping for e-mails and webhooks: a row per (instance, operation, kind).
// A retried activity that finds the row `sent` does nothing; one that finds it `pending` sends
// again (the earlier attempt died before it could know), with the same Message-ID or
// Idempotency-Key so the receiver can drop the copy.
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { deliveries } from '../schema/tables';

export interface DeliveryKey {
  instanceId: string;
  operationId: string;
  kind: string;
}

export const deliveryKey = (k: DeliveryKey): string => `${k.instanceId}:${k.operationId}:${k.kind}`;

/** true when this delivery is still owed. */
export async function claimDelivery(db: Database, k: DeliveryKey): Promise<boolean> {
  const key = deliveryKey(k);
  await db
    .insert(deliveries)
    .values({ key, instanceId: k.instanceId, operationId: k.operationId, kind: k.kind, status: 'pending' })
    .onConflictDoNothing();
  const [row] = await db
    .update(deliveries)
    .set({ attempts: sql`${deliveries.attempts} + 1`, updatedAt: new Date() })
    .where(and(eq(deliveries.key, key), eq(deliveries.status, 'pending')))
    .returning({ key: deliveries.key });
  return row !== undefined;
}

export async function markDelivered(db: Database, k: DeliveryKey): Promise<void> {
  await db.update(deliveries).set({ status: 'sent', sentAt: new Date(), lastError: null, updatedAt: new Date() }).where(eq(deliveries.key, deliveryKey(k)));
}

export async function markDeliveryFailed(db: Database, k: DeliveryKey, error: string): Promise<void> {
  await db.update(deliveries).set({ lastError: error.slice(0, 2000), updatedAt: new Date() }).where(eq(deliveries.key, deliveryKey(k)));
}
