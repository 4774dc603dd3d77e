// A Paddle or Stripe webhook once verified and read: what happened, to which subscription, when,
// and what it means for Hostflow. paddle-events.ts and stripe-events.ts build it; apply-event.ts acts on it.
import type { BillingEventKind } from '../../workflows/billing-types';

export type ProviderSource = 'paddle' | 'stripe';

/** The order fields an activation event carries (Paddle custom_data, Stripe metadata), still unchecked. */
export interface RawOrder {
  /** The provider's customer id (ctm_…, cus_…), when the event names one. */
  customer?: string;
  fields: Record<string, unknown>;
}

export type EventMeaning =
  /** Activation: create the instance (idempotent per subscription). */
  | { kind: 'create'; order: RawOrder }
  /** Paddle transaction.completed: the first one creates, every later one is a payment. */
  | { kind: 'create_or_paid'; order: RawOrder }
  | { kind: BillingEventKind }
  | { kind: 'ignore'; reason: string };

export interface ProviderEvent {
  source: ProviderSource;
  eventId: string;
  type: string;
  occurredAt: Date;
  subscriptionId: string | null;
  meaning: EventMeaning;
}

/** A value of an untrusted JSON object, as an object (or an empty one). */
export function objectAt(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
