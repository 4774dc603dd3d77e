// Paddle Billing notifications → ProviderEvent. The envelope is
// {event_id, event_type, occurred_at, notification_id, data}; deduplication uses event_id (a
// replayed notification keeps it). Mapping table: README "Paddle and Stripe".
import { ApiError } from '../errors';
import { objectAt, stringAt, type EventMeaning, type ProviderEvent } from './provider-event';

const SUBSCRIPTION_KINDS = {
  'subscription.past_due': 'past_due',
  'subscription.paused': 'paused',
  'subscription.resumed': 'resumed',
  'subscription.canceled': 'cancelled',
} as const;

export function readPaddleEvent(body: unknown): ProviderEvent {
  const envelope = objectAt(body);
  const eventId = stringAt(envelope.event_id);
  const type = stringAt(envelope.event_type);
  const occurredAt = new Date(stringAt(envelope.occurred_at) ?? 'invalid');
  if (!eventId || !type || Number.isNaN(occurredAt.getTime())) {
    throw new ApiError('VALIDATION_ERROR', 'not a Paddle notification: event_id, event_type and occurred_at are required');
  }
  const data = objectAt(envelope.data);
  const isTransaction = type.startsWith('transaction.');
  const subscriptionId = (isTransaction ? stringAt(data.subscription_id) : type.startsWith('subscription.') ? stringAt(data.id) : undefined) ?? null;
  return { source: 'paddle', eventId, type, occurredAt, subscriptionId, meaning: paddleMeaning(type, data, subscriptionId) };
}

function paddleMeaning(type: string, data: Record<string, unknown>, subscriptionId: string | null): EventMeaning {
  if (!subscriptionId) return { kind: 'ignore', reason: 'not about a subscription' };
  const order = { ...(stringAt(data.customer_id) ? { customer: stringAt(data.customer_id)! } : {}), fields: objectAt(data.custom_data) };
  if (type === 'subscription.activated') return { kind: 'create', order };
  if (type === 'subscription.created') {
    return data.status === 'active' ? { kind: 'create', order } : { kind: 'ignore', reason: `created ${String(data.status)}: waits for subscription.activated` };
  }
  if (type === 'transaction.completed') return { kind: 'create_or_paid', order };
  if (type === 'subscription.updated') {
    return data.status === 'active' ? { kind: 'paid' } : { kind: 'ignore', reason: `updated, status ${String(data.status)}` };
  }
  if (Object.hasOwn(SUBSCRIPTION_KINDS, type)) return { kind: SUBSCRIPTION_KINDS[type as keyof typeof SUBSCRIPTION_KINDS] };
  return { kind: 'ignore', reason: `${type} has no meaning for Hostflow` };
}
