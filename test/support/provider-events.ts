// Paddle and Stripe webhook events for tests that drive a stack only through its public webhooks:
// bodies shaped as the providers send them, signed as the providers sign them (the headers come
// from api/billing/*-signature.ts, which the API's own signature tests use too), posted to
// POST /api/webhooks/paddle and /stripe with the stack's test secrets.
import { randomUUID } from 'node:crypto';
import { paddleSignatureHeader } from '../../api/billing/paddle-signature';
import { stripeSignatureHeader } from '../../api/billing/stripe-signature';
import { TEST_PADDLE_SECRET, TEST_STRIPE_SECRET } from './stack';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** What POST /api/webhooks/* answered: the status and the `{received, event_id, type, outcome, reason?, instance_id?}` body. */
export interface WebhookAnswer {
  status: number;
  body: { received?: boolean; event_id?: string; type?: string; outcome?: string; reason?: string; instance_id?: string; error?: { code: string } };
}

/** The plan, region, hostname and e-mail an activation carries (Stripe metadata, Paddle custom_data). */
export interface OrderFields {
  plan: string;
  region: string;
  hostname: string;
  email: string;
}

async function post(apiUrl: string, path: string, raw: string, headers: Record<string, string>): Promise<WebhookAnswer> {
  const response = await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: raw });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as WebhookAnswer['body']) : {} };
}

// ---- Stripe: {id, object: 'event', type, created (unix s), data: {object, previous_attributes?}}

export function stripeEvent(type: string, object: Record<string, unknown>, options: { previous?: Record<string, unknown>; created?: number; id?: string } = {}): string {
  return JSON.stringify({
    id: options.id ?? `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2025-08-27.basil',
    type,
    created: options.created ?? nowSeconds(),
    livemode: false,
    data: { object, ...(options.previous ? { previous_attributes: options.previous } : {}) },
  });
}

/** POST a raw Stripe event with `Stripe-Signature: t=…,v1=…` (the stack's secret unless another is given). */
export function postStripe(apiUrl: string, raw: string, options: { secret?: string; t?: number } = {}): Promise<WebhookAnswer> {
  return post(apiUrl, '/api/webhooks/stripe', raw, { 'Stripe-Signature': stripeSignatureHeader(raw, options.secret ?? TEST_STRIPE_SECRET, options.t ?? nowSeconds()) });
}

/** The Stripe events of a subscription's life, each a raw body ready to post. `created` orders them. */
export const stripe = {
  checkoutCompleted: (subscription: string, order: OrderFields, created?: number) =>
    stripeEvent('checkout.session.completed', { id: `cs_${randomUUID().slice(0, 8)}`, object: 'checkout.session', mode: 'subscription', subscription, customer: 'cus_dunning', metadata: order }, { created }),
  paymentFailed: (subscription: string, created?: number) =>
    stripeEvent('invoice.payment_failed', { id: `in_${randomUUID().slice(0, 8)}`, object: 'invoice', subscription, status: 'open' }, { created }),
  paid: (subscription: string, created?: number) =>
    stripeEvent('invoice.paid', { id: `in_${randomUUID().slice(0, 8)}`, object: 'invoice', status: 'paid', parent: { subscription_details: { subscription } } }, { created }),
  deleted: (subscription: string, created?: number) =>
    stripeEvent('customer.subscription.deleted', { id: subscription, object: 'subscription', customer: 'cus_dunning', status: 'canceled' }, { created }),
  /** A scheduled cancellation taken back: cancel_at_period_end true → false. */
  reactivated: (subscription: string, created?: number) =>
    stripeEvent('customer.subscription.updated', { id: subscription, object: 'subscription', customer: 'cus_dunning', status: 'active', cancel_at_period_end: false }, { previous: { cancel_at_period_end: true }, created }),
};

// ---- Paddle Billing: {event_id, notification_id, event_type, occurred_at, data}

export function paddleEvent(type: string, data: Record<string, unknown>, options: { occurredAt?: Date; id?: string } = {}): string {
  return JSON.stringify({
    event_id: options.id ?? `evt_${randomUUID().replace(/-/g, '')}`,
    notification_id: `ntf_${randomUUID().replace(/-/g, '')}`,
    event_type: type,
    occurred_at: (options.occurredAt ?? new Date()).toISOString(),
    data,
  });
}

/** POST a raw Paddle notification with `Paddle-Signature: ts=…;h1=…`. */
export function postPaddle(apiUrl: string, raw: string, options: { secret?: string; ts?: number } = {}): Promise<WebhookAnswer> {
  return post(apiUrl, '/api/webhooks/paddle', raw, { 'Paddle-Signature': paddleSignatureHeader(raw, options.secret ?? TEST_PADDLE_SECRET, options.ts ?? nowSeconds()) });
}

export const paddle = {
  activated: (subscription: string, order: OrderFields, occurredAt?: Date) =>
    paddleEvent('subscription.activated', { id: subscription, status: 'active', customer_id: 'ctm_dunning', custom_data: order }, { occurredAt }),
  pastDue: (subscription: string, occurredAt?: Date) => paddleEvent('subscription.past_due', { id: subscription, status: 'past_due' }, { occurredAt }),
  paid: (subscription: string, occurredAt?: Date) =>
    paddleEvent('transaction.completed', { id: `txn_${randomUUID().slice(0, 8)}`, status: 'completed', subscription_id: subscription }, { occurredAt }),
  canceled: (subscription: string, occurredAt?: Date) => paddleEvent('subscription.canceled', { id: subscription, status: 'canceled' }, { occurredAt }),
};
