// Dunning: what billing events do to an instance, as a plain class (no Temporal calls), so every
// rule is unit-tested without a server. The entity keeps the one deadline this computes as a
// durable timer and runs the operations it asks for through its own queue.
import type { BillingEvent, BillingPolicy, BillingView, GraceChange } from './billing-types';
import type { ReservedRequest } from './domain';

/** An operation billing asks the entity to queue; `reservationKey` makes its reservation idempotent. */
export type BillingRequest = ReservedRequest & { type: 'suspend' | 'unsuspend' | 'terminate' };

/** What one billing change means: what to record, tell the customer and queue. */
export interface BillingWork {
  /** For the audit event (`billing.<kind>`). */
  kind: string;
  message: string;
  requests: BillingRequest[];
  email?: { kind: 'payment_failed' | 'removal_scheduled'; key: string };
}

export class Dunning {
  view: BillingView;

  constructor(
    private readonly policy: BillingPolicy,
    carried: BillingView | undefined,
  ) {
    this.view = carried ?? { state: 'current', suspendedByBilling: false };
  }

  /** A verified billing event. `suspended`: the instance is suspended now (maybe by an operator). */
  apply(event: BillingEvent, nowMs: number, suspended: boolean): BillingWork | undefined {
    // The API orders events per subscription, but two signals sent at once may still cross.
    if (this.view.lastEventAt !== undefined && Date.parse(event.occurredAt) < Date.parse(this.view.lastEventAt)) return undefined;
    const work = this.applyInOrder(event, nowMs, suspended);
    this.view = { ...this.view, lastEventAt: event.occurredAt };
    return work;
  }

  private applyInOrder(event: BillingEvent, nowMs: number, suspended: boolean): BillingWork | undefined {
    const by = `billing:${event.source}`;
    const key = (type: string) => `${event.eventId}:${type}`;
    switch (event.kind) {
      case 'past_due': {
        if (this.view.state !== 'current') return undefined; // already in a grace period, or cancelled
        this.startGrace('past_due', nowMs + this.policy.pastDueGraceMs, 'suspend');
        return { kind: 'past_due', message: `payment failed; suspends on ${this.view.graceUntil} unless paid`, requests: [], email: { kind: 'payment_failed', key: `billing:${event.eventId}` } };
      }
      case 'paid':
      case 'resumed':
      case 'reactivated': {
        const wasSuspended = this.view.suspendedByBilling;
        if (this.view.state === 'current' && !wasSuspended) return undefined;
        this.view = { state: 'current', suspendedByBilling: false, lastEventAt: this.view.lastEventAt };
        const requests = wasSuspended ? [{ type: 'unsuspend' as const, args: { reason: `billing: ${event.kind}` }, requestedBy: by, reservationKey: key('unsuspend') }] : [];
        return { kind: event.kind, message: `${event.kind}: grace period over${wasSuspended ? ', unsuspending' : ''}`, requests };
      }
      case 'paused': {
        this.view = { state: this.view.state === 'cancelled' ? 'cancelled' : 'current', suspendedByBilling: this.view.suspendedByBilling };
        return { kind: 'paused', message: 'subscription paused: suspending', requests: this.suspend(suspended, by, key('suspend'), 'billing: paused') };
      }
      case 'cancelled': {
        if (this.view.state === 'cancelled') return undefined;
        const requests = this.suspend(suspended, by, key('suspend'), 'billing: cancelled');
        this.startGrace('cancelled', nowMs + this.policy.removalGraceMs, 'terminate');
        return { kind: 'cancelled', message: `subscription cancelled: suspended; removed on ${this.view.graceUntil} unless reactivated`, requests, email: { kind: 'removal_scheduled', key: `billing:${event.eventId}` } };
      }
    }
  }

  /** Milliseconds until the running grace period ends (0 if past); undefined when none runs. */
  msUntilDeadline(nowMs: number): number | undefined {
    return this.view.graceUntil === undefined ? undefined : Math.max(0, Date.parse(this.view.graceUntil) - nowMs);
  }

  /** The deadline passed: suspend a past-due instance, remove a cancelled one. */
  expire(suspended: boolean): BillingWork | undefined {
    const { graceUntil, graceAction } = this.view;
    if (graceUntil === undefined) return undefined;
    this.view = { ...this.view, graceUntil: undefined, graceAction: undefined };
    const key = (type: string) => `grace:${graceUntil}:${type}`;
    if (graceAction === 'terminate') {
      const args = { reason: 'billing: removal grace ended', ...(this.policy.snapshotBeforeRemoval ? { snapshot: true } : {}) };
      return { kind: 'grace_ended', message: 'removal grace ended: terminating', requests: [{ type: 'terminate', args, requestedBy: 'billing:grace', reservationKey: key('terminate') }] };
    }
    return { kind: 'grace_ended', message: 'grace period ended unpaid: suspending', requests: this.suspend(suspended, 'billing:grace', key('suspend'), 'billing: unpaid') };
  }

  /** An operator moves or cancels the running deadline. */
  change(change: GraceChange): BillingWork | undefined {
    if (this.view.graceUntil === undefined) return undefined;
    const by = change.operator ? ` by ${change.operator}` : '';
    if (change.cancel) {
      this.view = { ...this.view, graceUntil: undefined, graceAction: undefined };
      return { kind: 'grace_cancelled', message: `grace period cancelled${by}${change.reason ? `: ${change.reason}` : ''}`, requests: [] };
    }
    if (change.until === undefined || Number.isNaN(Date.parse(change.until))) return undefined;
    this.view = { ...this.view, graceUntil: new Date(Date.parse(change.until)).toISOString() };
    return { kind: 'grace_changed', message: `grace period now ends ${this.view.graceUntil}${by}${change.reason ? `: ${change.reason}` : ''}`, requests: [] };
  }

  /** A line for the Web UI's current details, e.g. "suspends on 2026-12-07 unless paid". */
  describe(): string | undefined {
    const { graceUntil, graceAction } = this.view;
    if (graceUntil === undefined) return undefined;
    const day = graceUntil.slice(0, 10);
    return graceAction === 'terminate' ? `removed on ${day} unless reactivated` : `suspends on ${day} unless paid`;
  }

  private startGrace(state: 'past_due' | 'cancelled', untilMs: number, action: 'suspend' | 'terminate'): void {
    this.view = { ...this.view, state, graceUntil: new Date(untilMs).toISOString(), graceAction: action };
  }

  /** Suspend for billing unless already suspended (an operator's suspension stays the operator's). */
  private suspend(suspended: boolean, requestedBy: string, reservationKey: string, reason: string): BillingRequest[] {
    if (suspended || this.view.suspendedByBilling) return [];
    this.view = { ...this.view, suspendedByBilling: true };
    return [{ type: 'suspend', args: { reason }, requestedBy, reservationKey }];
  }
}
