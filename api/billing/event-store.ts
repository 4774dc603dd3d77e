// billing_events: each provider event once, applied in occurred_at order per subscription.
// claimEvent decides under a per-subscription lock whether an event is new, a redelivery, or older
// than one already applied; finishEvent writes what applying it did. A row stays `pending` when
// applying failed (Temporal down): the provider's retry finds it and applies it then.
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../../schema/db';
import { billingEvents } from '../../schema/tables';
import type { ProviderEvent } from './provider-event';

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'refused';

export type Claim = { verdict: 'apply' } | { verdict: 'duplicate'; outcome: string } | { verdict: 'stale' };

export const payloadHash = (raw: Buffer): string => createHash('sha256').update(raw).digest('hex');

export async function claimEvent(db: Database, event: ProviderEvent, hash: string): Promise<Claim> {
  return db.transaction(async (tx) => {
    const lockName = `hostflow:billing:${event.source}:${event.subscriptionId ?? event.eventId}`;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lockName}, 0))`);
    const key = and(eq(billingEvents.source, event.source), eq(billingEvents.eventId, event.eventId));
    const [earlier] = await tx
      .update(billingEvents)
      .set({ deliveries: sql`${billingEvents.deliveries} + 1`, updatedAt: new Date() })
      .where(key)
      .returning({ outcome: billingEvents.outcome });
    if (earlier && earlier.outcome !== 'pending') return { verdict: 'duplicate', outcome: earlier.outcome };
    if (!earlier) {
      await tx.insert(billingEvents).values({
        source: event.source,
        eventId: event.eventId,
        type: event.type,
        subscriptionId: event.subscriptionId,
        occurredAt: event.occurredAt,
        payloadHash: hash,
        outcome: 'pending',
        meaning: event.meaning.kind,
      });
    }
    if (event.subscriptionId === null) return { verdict: 'apply' };
    const [newer] = await tx
      .select({ eventId: billingEvents.eventId })
      .from(billingEvents)
      .where(
        and(
          eq(billingEvents.source, event.source),
          eq(billingEvents.subscriptionId, event.subscriptionId),
          inArray(billingEvents.outcome, ['applied', 'pending']),
          gt(billingEvents.occurredAt, event.occurredAt),
          ne(billingEvents.eventId, event.eventId),
        ),
      )
      .limit(1);
    if (!newer) return { verdict: 'apply' };
    await tx.update(billingEvents).set({ outcome: 'stale', reason: `older than ${newer.eventId}, already applied`, updatedAt: new Date() }).where(key);
    return { verdict: 'stale' };
  });
}

export async function finishEvent(
  db: Database,
  event: Pick<ProviderEvent, 'source' | 'eventId'>,
  result: { outcome: Exclude<EventOutcome, 'duplicate' | 'stale'>; reason?: string; instanceId?: string },
): Promise<void> {
  await db
    .update(billingEvents)
    .set({ outcome: result.outcome, reason: result.reason ?? null, instanceId: result.instanceId ?? null, updatedAt: new Date() })
    .where(and(eq(billingEvents.source, event.source), eq(billingEvents.eventId, event.eventId)));
}
