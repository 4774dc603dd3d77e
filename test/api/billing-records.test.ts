// The records and e-mail side of dunning: reserveOperation (the entity's own operations, once per
// reservation key), recordTransition's billing columns as GET /api/instances/:id shows them, and
// the payment_failed / removal_scheduled texts naming the grace deadline.
import { createRecordActivities } from '../../activities/records';
import { graceDate, renderEmail } from '../../activities/email-templates';
import { createBody, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});

async function instance(): Promise<string> {
  const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  return res.body.id as string;
}

describe('reserveOperation', () => {
  it('takes the next number and writes a queued row; a retried reservation gets the same row', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const id = await instance();
    const input = { instanceId: id, type: 'suspend' as const, args: { reason: 'billing: unpaid' }, requestedBy: 'billing:grace', reservationKey: 'grace-2026-12-07' };
    const first = await records.reserveOperation(input);
    const retry = await records.reserveOperation(input);
    const other = await records.reserveOperation({ ...input, type: 'unsuspend', requestedBy: 'billing:paddle', reservationKey: 'evt_1' });
    expect(first.seq).toBe(2);
    expect(retry).toEqual(first);
    expect(other.seq).toBe(3);
    const ops = await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200);
    expect(ops.body.operations.map((o: { seq: number; type: string; status: string; requested_by: string; workflow_id: string }) => [o.seq, o.type, o.status, o.requested_by, o.workflow_id])).toEqual([
      [1, 'provision', 'queued', 'whmcs:billing-1', `instance-${id}/provision-1`],
      [2, 'suspend', 'queued', 'billing:grace', `instance-${id}/suspend-2`],
      [3, 'unsuspend', 'queued', 'billing:paddle', `instance-${id}/unsuspend-3`],
    ]);
    const [row] = await h.db.handle.sql`select operation_seq from instances where id = ${id}`;
    expect(row!.operation_seq).toBe(3);
  });
});

describe('recordTransition billing', () => {
  it('writes billing_state and grace_until, shown as billing in GET /api/instances/:id; an event with no operations is fine', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const id = await instance();
    const until = '2026-12-07T10:00:00.000Z';
    await records.recordTransition({ instanceId: id, status: 'running', billing: { state: 'past_due', graceUntil: until }, event: { key: `${id}:billing:evt_1`, kind: 'billing.past_due', message: 'past due' } });
    expect((await signed(h.app, 'get', `/api/instances/${id}`).expect(200)).body.billing).toEqual({ state: 'past_due', grace_until: until });
    await records.recordTransition({ instanceId: id, status: 'running', billing: { state: 'current', graceUntil: null }, event: { key: `${id}:billing:evt_2`, kind: 'billing.paid', message: 'paid' } });
    expect((await signed(h.app, 'get', `/api/instances/${id}`).expect(200)).body.billing).toEqual({ state: 'current', grace_until: null });
  });
});

describe('dunning e-mails', () => {
  const facts = { subdomain: 'alice-box', url: 'https://alice-box.example.com', plan: 'starter', ipAddress: null, graceUntil: new Date('2026-12-07T10:00:00Z') };
  it('name the deadline as a date', () => {
    expect(graceDate(facts.graceUntil)).toBe('Monday, 7 December 2026 (UTC)');
    expect(renderEmail('payment_failed', facts).text).toContain(`suspended on ${graceDate(facts.graceUntil)}.`);
    expect(renderEmail('payment_failed', facts).text).toMatch(/December 2026/);
    expect(renderEmail('removal_scheduled', facts).text).toContain(`removed on ${graceDate(facts.graceUntil)}.`);
    expect(renderEmail('removal_scheduled', { ...facts, graceUntil: null }).text).toContain('the end of the grace period');
  });
});
