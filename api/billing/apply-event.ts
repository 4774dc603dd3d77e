// What a verified Paddle / Stripe event does: create the instance (activation), signal the
// instance's entity workflow (past_due, paid, paused, resumed, cancelled, reactivated), or nothing
// (recorded as ignored, stale, refused or duplicate). Every outcome is answered 200, so the
// provider never retries an event that can only fail again; a Temporal or Postgres outage is
// a 503 and the provider's retry applies the still-pending event.
import type { Logger } from 'pino';
import type { ApiConfig } from '../../config/api-config';
import type { Database } from '../../schema/db';
import type { BillingEventKind } from '../../workflows/billing-types';
import { createOrderedInstance } from '../create-instance';
import { ApiError } from '../errors';
import { findInstanceByReference } from '../read-model';
import { EntityWorkflowGoneError, type TemporalGateway } from '../temporal-gateway';
import { claimEvent, finishEvent, payloadHash, type EventOutcome } from './event-store';
import { orderFromEvent } from './order-fields';
import type { ProviderEvent, RawOrder } from './provider-event';

export interface ApplyDeps {
  db: Database;
  temporal: TemporalGateway;
  config: ApiConfig;
  log: Logger;
}

export interface Applied {
  outcome: EventOutcome;
  reason?: string;
  instanceId?: string;
}

export async function applyProviderEvent(deps: ApplyDeps, event: ProviderEvent, rawBody: Buffer): Promise<Applied> {
  const claim = await claimEvent(deps.db, event, payloadHash(rawBody));
  if (claim.verdict === 'duplicate') return { outcome: 'duplicate', reason: `already received (${claim.outcome})` };
  if (claim.verdict === 'stale') return { outcome: 'stale', reason: 'older than an event already applied to this subscription' };
  const result = await act(deps, event);
  await finishEvent(deps.db, event, result);
  return result;
}

type Result = Applied & { outcome: 'applied' | 'ignored' | 'refused' };

async function act(deps: ApplyDeps, event: ProviderEvent): Promise<Result> {
  const { meaning } = event;
  if (meaning.kind === 'ignore') return { outcome: 'ignored', reason: meaning.reason };
  const reference = { source: event.source, ref: event.subscriptionId! };
  const existing = await findInstanceByReference(deps.db, reference);
  if (meaning.kind === 'create' || (meaning.kind === 'create_or_paid' && !existing)) {
    return create(deps, event, meaning.order, existing?.id);
  }
  if (!existing) return { outcome: 'ignored', reason: `no instance for ${event.source} subscription ${reference.ref}` };
  const kind: BillingEventKind = meaning.kind === 'create_or_paid' ? 'paid' : meaning.kind;
  try {
    await deps.temporal.signalBilling(existing.id, { kind, eventId: event.eventId, source: event.source, occurredAt: event.occurredAt.toISOString() });
  } catch (error) {
    if (!(error instanceof EntityWorkflowGoneError)) throw error;
    return { outcome: 'ignored', reason: `the instance's workflow has ended (${kind} not delivered)`, instanceId: existing.id };
  }
  deps.log.info({ event_id: event.eventId, instance_id: existing.id, kind }, 'billing event signalled to the instance');
  return { outcome: 'applied', instanceId: existing.id };
}

/** Activation: the POST /api/instances path, idempotent per subscription; an incomplete order is refused loudly. */
async function create(deps: ApplyDeps, event: ProviderEvent, raw: RawOrder, existingId: string | undefined): Promise<Result> {
  const checked = orderFromEvent(event.source, event.subscriptionId!, raw, deps.config);
  if (!checked.ok) {
    if (existingId) return { outcome: 'applied', reason: 'the instance exists already', instanceId: existingId };
    deps.log.error({ source: event.source, event_id: event.eventId, subscription_id: event.subscriptionId, reason: checked.reason }, 'BILLING ORDER REFUSED: nothing was started; fix the subscription data and create the instance by hand');
    return { outcome: 'refused', reason: checked.reason };
  }
  try {
    const { instance, created } = await createOrderedInstance(deps, checked.order, { requestedBy: `billing:${event.source}`, idempotencyKey: undefined });
    deps.log.info({ event_id: event.eventId, instance_id: instance.id, created }, created ? 'instance created from a billing event' : 'instance already existed');
    return { outcome: 'applied', instanceId: instance.id };
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'CONFLICT') throw error;
    deps.log.error({ source: event.source, event_id: event.eventId, reason: error.message }, 'BILLING ORDER REFUSED: nothing was started');
    return { outcome: 'refused', reason: error.message };
  }
}
