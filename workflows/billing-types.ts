// Billing as the entity sees it (issue 17): what a billing system's events mean for an instance,
// the grace periods of dunning, and what survives continue-as-new. The API verifies and orders the
// providers' webhooks; the entity keeps the deadlines as durable timers of its own.

/** current: paid up. past_due: a payment failed, the grace period runs. cancelled: the subscription ended, removal is scheduled. */
export type BillingState = 'current' | 'past_due' | 'cancelled';

export type BillingSource = 'whmcs' | 'paddle' | 'stripe';

/**
 * What a verified, in-order billing event means (the API maps each provider's event to one):
 * past_due starts the grace timer; paid cancels it and lifts a suspension for non-payment;
 * paused suspends; resumed unsuspends; cancelled suspends now and removes after the removal grace;
 * reactivated undoes a cancellation during that grace.
 */
export type BillingEventKind = 'past_due' | 'paid' | 'paused' | 'resumed' | 'cancelled' | 'reactivated';

export interface BillingEvent {
  kind: BillingEventKind;
  /** The provider's event / notification id (already deduplicated by the API). */
  eventId: string;
  source: BillingSource;
  /** When the provider says it happened (ISO); the grace period counts from the entity's own clock. */
  occurredAt: string;
}

/** How long each grace period lasts; the API passes them at start (tests shorten them). */
export interface BillingPolicy {
  /** past_due → suspend after (default 7 days). */
  pastDueGraceMs: number;
  /** cancelled → terminate after (default 30 days). */
  removalGraceMs: number;
  /** Take a snapshot before the removal terminate. */
  snapshotBeforeRemoval: boolean;
}

export const DEFAULT_BILLING_POLICY: BillingPolicy = { pastDueGraceMs: 7 * 24 * 3_600_000, removalGraceMs: 30 * 24 * 3_600_000, snapshotBeforeRemoval: false };

/** An operator moves a grace deadline (`until`, ISO) or cancels it. */
export interface GraceChange {
  until?: string;
  cancel?: boolean;
  operator?: string;
  reason?: string;
}

/** The instance's billing standing; carried across continue-as-new. */
export interface BillingView {
  state: BillingState;
  /** The deadline of the running grace period (ISO), if one runs. */
  graceUntil?: string;
  /** What the deadline does: suspend (past due) or terminate (cancelled). */
  graceAction?: 'suspend' | 'terminate';
  /** Suspended by billing (non-payment, pause, cancellation), which a payment lifts; an operator's suspension it never lifts. */
  suspendedByBilling: boolean;
  /** When the newest event applied happened (ISO): an older one arriving later changes nothing. */
  lastEventAt?: string;
}
