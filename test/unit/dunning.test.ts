import type { BillingEvent } from '../../workflows/billing-types';
import { Dunning } from '../../workflows/dunning';

const DAY = 24 * 3_600_000;
const policy = { pastDueGraceMs: 7 * DAY, removalGraceMs: 30 * DAY, snapshotBeforeRemoval: true };
const now = Date.parse('2026-11-30T12:00:00.000Z');
let n = 0;
const event = (kind: BillingEvent['kind']): BillingEvent => ({ kind, eventId: `evt_${++n}`, source: 'paddle', occurredAt: new Date(now).toISOString() });

describe('dunning', () => {
  it('starts a 7-day grace on past due, e-mails the customer, and suspends when it ends unpaid', () => {
    const d = new Dunning(policy, undefined);
    const work = d.apply(event('past_due'), now, false);
    expect(work).toMatchObject({ kind: 'past_due', requests: [], email: { kind: 'payment_failed' } });
    expect(d.view).toMatchObject({ state: 'past_due', graceUntil: '2026-12-07T12:00:00.000Z', graceAction: 'suspend', suspendedByBilling: false });
    expect(d.describe()).toBe('suspends on 2026-12-07 unless paid');
    expect(d.msUntilDeadline(now)).toBe(7 * DAY);
    expect(d.msUntilDeadline(now + 8 * DAY)).toBe(0);
    // A second past-due during the grace changes nothing (no new deadline, no second e-mail).
    expect(d.apply(event('past_due'), now + DAY, false)).toBeUndefined();
    const expired = d.expire(false);
    expect(expired?.requests).toEqual([expect.objectContaining({ type: 'suspend', requestedBy: 'billing:grace' })]);
    expect(d.view).toMatchObject({ state: 'past_due', suspendedByBilling: true, graceUntil: undefined });
  });

  it('a payment during the grace cancels it and queues nothing', () => {
    const d = new Dunning(policy, undefined);
    d.apply(event('past_due'), now, false);
    expect(d.apply(event('paid'), now + DAY, false)).toMatchObject({ requests: [] });
    expect(d.view).toEqual({ state: 'current', suspendedByBilling: false, lastEventAt: expect.any(String) });
    expect(d.msUntilDeadline(now)).toBeUndefined();
  });

  it('a payment after the suspension unsuspends', () => {
    const d = new Dunning(policy, undefined);
    d.apply(event('past_due'), now, false);
    d.expire(false);
    const paid = d.apply(event('paid'), now + 9 * DAY, true);
    expect(paid?.requests).toEqual([expect.objectContaining({ type: 'unsuspend', requestedBy: 'billing:paddle' })]);
  });

  it("never lifts an operator's suspension: billing does not suspend what is suspended, so a payment unsuspends nothing", () => {
    const d = new Dunning(policy, undefined);
    d.apply(event('past_due'), now, false);
    expect(d.expire(true)?.requests).toEqual([]);
    expect(d.apply(event('paid'), now + 9 * DAY, true)?.requests).toEqual([]);
  });

  it('a cancellation suspends now and removes after 30 days (with a snapshot, as the policy says) unless reactivated', () => {
    const d = new Dunning(policy, undefined);
    const cancelled = d.apply(event('cancelled'), now, false);
    expect(cancelled).toMatchObject({ email: { kind: 'removal_scheduled' }, requests: [expect.objectContaining({ type: 'suspend' })] });
    expect(d.describe()).toBe('removed on 2026-12-30 unless reactivated');
    expect(d.expire(true)?.requests).toEqual([expect.objectContaining({ type: 'terminate', args: expect.objectContaining({ snapshot: true }) })]);

    const again = new Dunning(policy, undefined);
    again.apply(event('cancelled'), now, false);
    expect(again.apply(event('reactivated'), now + DAY, true)?.requests).toEqual([expect.objectContaining({ type: 'unsuspend' })]);
    expect(again.msUntilDeadline(now)).toBeUndefined();
  });

  it('pause suspends and resume unsuspends', () => {
    const d = new Dunning(policy, undefined);
    expect(d.apply(event('paused'), now, false)?.requests).toEqual([expect.objectContaining({ type: 'suspend' })]);
    expect(d.apply(event('resumed'), now + DAY, true)?.requests).toEqual([expect.objectContaining({ type: 'unsuspend' })]);
  });

  it('lets an operator extend or cancel the grace, and ignores a change when none runs', () => {
    const d = new Dunning(policy, undefined);
    expect(d.change({ until: '2026-12-24T00:00:00Z' })).toBeUndefined();
    d.apply(event('past_due'), now, false);
    expect(d.change({ until: '2026-12-24T00:00:00Z', operator: 'ops' })?.message).toContain('2026-12-24T00:00:00.000Z by ops');
    expect(d.view.graceUntil).toBe('2026-12-24T00:00:00.000Z');
    expect(d.change({ until: 'not a date' })).toBeUndefined();
    d.change({ cancel: true });
    expect(d.msUntilDeadline(now)).toBeUndefined();
  });

  it('ignores an event older than the newest it applied', () => {
    const d = new Dunning(policy, undefined);
    d.apply({ ...event('past_due'), occurredAt: '2026-11-30T12:00:00.000Z' }, now, false);
    expect(d.apply({ ...event('paid'), occurredAt: '2026-11-30T11:00:00.000Z' }, now, false)).toBeUndefined();
    expect(d.view.state).toBe('past_due');
  });

  it('carries its view (deadline included) into a new run', () => {
    const d = new Dunning(policy, undefined);
    d.apply(event('past_due'), now, false);
    const next = new Dunning(policy, d.view);
    expect(next.msUntilDeadline(now)).toBe(7 * DAY);
  });

  it('gives every request a reservation key that a retry repeats', () => {
    const d = new Dunning(policy, undefined);
    const e = event('paused');
    const [first] = d.apply(e, now, false)!.requests;
    expect(first!.reservationKey).toBe(`${e.eventId}:suspend`);
  });
});
