// Dunning in the entity (issue 17): billing events move a grace deadline that lives in the entity
// as a durable timer; when it passes, the entity queues the suspend or terminate through its own
// queue, like any other request. Grace periods shortened to about a second.
import { randomUUID } from 'node:crypto';
import type { BillingEvent } from '../../workflows/billing-types';
import { billingEventSignal, changeGraceSignal } from '../../workflows/messages';
import { startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('billing');
});
afterAll(() => h?.close());

const GRACE = { pastDueGraceMs: 1_500, removalGraceMs: 1_500, snapshotBeforeRemoval: true };
let at = Date.parse('2026-11-30T00:00:00Z');
const send = (instance: TestInstance, kind: BillingEvent['kind'], eventId = `evt_${randomUUID()}`) =>
  instance.handle.signal(billingEventSignal, { kind, eventId, source: 'stripe', occurredAt: new Date((at += 1000)).toISOString() });
const types = (instance: TestInstance) => instance.calls().filter((c) => c.activity === 'reserveOperation').map((c) => (c.input as { type: string }).type);

describe('dunning in the entity', () => {
  it('past due: e-mails the customer, shows the deadline, and suspends when the grace ends unpaid; a payment then unsuspends', async () => {
    const instance = await h.running({ billing: GRACE });
    await send(instance, 'past_due');
    const pastDue = await instance.untilState((s) => s.billing.state === 'past_due', 'past due');
    expect(pastDue.billing.graceUntil).toBeDefined();
    await instance.untilState((s) => s.status === 'suspended' && s.billing.suspendedByBilling, 'suspended for non-payment');
    expect(instance.emails()).toContain('payment_failed');
    expect(types(instance)).toEqual(['suspend']);
    await send(instance, 'paid');
    await instance.untilState((s) => s.status === 'running' && s.billing.state === 'current', 'running again');
    expect(types(instance)).toEqual(['suspend', 'unsuspend']);
  });

  it('paid during the grace: the timer is cancelled and nothing is suspended', async () => {
    const instance = await h.running({ billing: { ...GRACE, pastDueGraceMs: 3_000 } });
    await send(instance, 'past_due');
    await instance.untilState((s) => s.billing.state === 'past_due', 'past due');
    await send(instance, 'paid');
    await instance.untilState((s) => s.billing.state === 'current', 'current');
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await instance.state()).status).toBe('running');
    expect(types(instance)).toEqual([]);
  });

  it('cancelled: suspended at once, terminated with a snapshot after the removal grace', async () => {
    const instance = await h.running({ billing: GRACE });
    await send(instance, 'cancelled');
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    expect(types(instance)).toEqual(['suspend', 'terminate']);
    expect(instance.emails()).toContain('removal_scheduled');
    expect(instance.providerCalls()).toContain('snapshotServer');
  });

  it('reactivated during the removal grace: running again, never terminated', async () => {
    const instance = await h.running({ billing: { ...GRACE, removalGraceMs: 3_000 } });
    await send(instance, 'cancelled');
    await instance.untilState((s) => s.status === 'suspended', 'suspended');
    await send(instance, 'reactivated');
    await instance.untilState((s) => s.status === 'running' && s.billing.graceUntil === undefined, 'running, no deadline');
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await instance.state()).status).toBe('running');
    expect(types(instance)).toEqual(['suspend', 'unsuspend']);
  });

  it("never lifts an operator's suspension", async () => {
    const instance = await h.running({ billing: GRACE });
    await instance.request('suspend');
    await instance.untilSettled('suspended');
    await send(instance, 'past_due');
    await instance.untilState((s) => s.billing.state === 'past_due' && s.billing.graceUntil === undefined, 'grace over');
    await send(instance, 'paid');
    await instance.untilState((s) => s.billing.state === 'current', 'paid');
    expect((await instance.state()).status).toBe('suspended');
    expect(types(instance)).toEqual([]);
  });

  it('applies a redelivered event once and ignores an older one that arrives late', async () => {
    const instance = await h.running({ billing: GRACE });
    const older = new Date(at).toISOString();
    await send(instance, 'past_due', 'evt_same');
    await send(instance, 'past_due', 'evt_same');
    await instance.untilState((s) => s.billing.state === 'past_due', 'past due');
    await instance.handle.signal(billingEventSignal, { kind: 'paid', eventId: 'evt_old', source: 'stripe', occurredAt: older });
    await instance.untilState((s) => s.status === 'suspended', 'suspended anyway');
    expect(instance.emails().filter((e) => e === 'payment_failed')).toHaveLength(1);
  });

  it('lets an operator extend the grace, and survives continue-as-new with the deadline', async () => {
    const instance = await h.running({ billing: { ...GRACE, pastDueGraceMs: 60_000 }, continueAsNewAfterOperations: 1 });
    await send(instance, 'past_due');
    await instance.untilState((s) => s.billing.state === 'past_due', 'past due');
    await instance.handle.signal(changeGraceSignal, { until: new Date(Date.now() + 1_500).toISOString(), operator: 'ops' });
    // An operation makes the entity continue as new; the deadline goes with it.
    await instance.request('reboot');
    await instance.untilState((s) => s.status === 'suspended' && s.billing.suspendedByBilling, 'suspended at the new deadline');
    expect(instance.events()).toEqual(expect.arrayContaining(['billing.past_due', 'billing.grace_changed', 'billing.grace_ended']));
  });
});
