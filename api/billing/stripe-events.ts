// Stripe events → ProviderEvent: {id, type, created (unix s), data: {object, previous_attributes}}.
// Status changes come from customer.subscription.updated's previous_attributes. Mapping table:
// README "Paddle and Stripe".
import type { BillingEventKind } from '../../workflows/billing-types';
import { ApiError } from '../errors';
import { objectAt, stringAt, type EventMeaning, type ProviderEvent } from './provider-event';

export function readStripeEvent(body: unknown): ProviderEvent {
  const event = objectAt(body);
  const eventId = stringAt(event.id);
  const type = stringAt(event.type);
  const created = event.created;
  if (!eventId || !type || typeof created !== 'number' || !Number.isFinite(created)) {
    throw new ApiError('VALIDATION_ERROR', 'not a Stripe event: id, type and created are required');
  }
  const data = objectAt(event.data);
  const object = objectAt(data.object);
  const subscriptionId = subscriptionOf(type, object) ?? null;
  const meaning: EventMeaning = subscriptionId ? stripeMeaning(type, object, objectAt(data.previous_attributes)) : { kind: 'ignore', reason: 'not about a subscription' };
  return { source: 'stripe', eventId, type, occurredAt: new Date(created * 1000), subscriptionId, meaning };
}

/** The subscription an event is about; invoices name it in `subscription` (older API versions) or under `parent`. */
function subscriptionOf(type: string, object: Record<string, unknown>): string | undefined {
  if (type.startsWith('customer.subscription.')) return stringAt(object.id);
  if (type === 'checkout.session.completed') return idOf(object.subscription);
  if (type.startsWith('invoice.')) return idOf(object.subscription) ?? idOf(objectAt(objectAt(object.parent).subscription_details).subscription);
  return undefined;
}

const idOf = (value: unknown): string | undefined => stringAt(value) ?? stringAt(objectAt(value).id);

function stripeMeaning(type: string, object: Record<string, unknown>, previous: Record<string, unknown>): EventMeaning {
  const order = { ...(idOf(object.customer) ? { customer: idOf(object.customer)! } : {}), fields: objectAt(object.metadata) };
  switch (type) {
    case 'checkout.session.completed':
      return object.mode === 'subscription' ? { kind: 'create', order } : { kind: 'ignore', reason: `checkout in ${String(object.mode)} mode` };
    case 'customer.subscription.created':
      return object.status === 'active' || object.status === 'trialing'
        ? { kind: 'create', order }
        : { kind: 'ignore', reason: `created ${String(object.status)}: checkout.session.completed creates it once paid` };
    case 'invoice.payment_failed':
      return { kind: 'past_due' };
    case 'invoice.paid':
      return { kind: 'paid' };
    case 'customer.subscription.deleted':
      return { kind: 'cancelled' };
    case 'customer.subscription.updated':
      return subscriptionUpdate(object, previous);
    default:
      return { kind: 'ignore', reason: `${type} has no meaning for Hostflow` };
  }
}

/** A status change, or a scheduled cancellation taken back (cancel_at_period_end true → false: reactivated). */
function subscriptionUpdate(object: Record<string, unknown>, previous: Record<string, unknown>): EventMeaning {
  if (previous.cancel_at_period_end === true && object.cancel_at_period_end === false) return { kind: 'reactivated' };
  if (!Object.hasOwn(previous, 'status')) return { kind: 'ignore', reason: 'updated without a status change' };
  const byStatus: Record<string, BillingEventKind> = { past_due: 'past_due', paused: 'paused', active: previous.status === 'paused' ? 'resumed' : 'paid' };
  const kind = byStatus[String(object.status)];
  return kind ? { kind } : { kind: 'ignore', reason: `status ${String(previous.status)} → ${String(object.status)}` };
}
