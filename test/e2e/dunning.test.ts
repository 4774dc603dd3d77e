// Dunning end to end (issue 17), driven only through the public Paddle and Stripe webhooks, signed
// as the providers sign them: an activation provisions; past due → suspended after the grace (a
// durable timer in the entity) unless paid; paid → unsuspended; cancelled → suspended, then
// terminated after the removal grace with nothing left, unless reactivated; redeliveries and late
// events change nothing; the grace timer survives a worker outage. Grace periods shortened.
import { randomBytes } from 'node:crypto';
import { instanceWorkflowId } from '../../workflows/ids';
import { getInstance, leftovers, operationsOf, untilStatus, type Created } from '../support/lifecycle';
import { nowSeconds, paddle, postPaddle, postStripe, stripe, type OrderFields, type WebhookAnswer } from '../support/provider-events';
import { eventually, startStack, type Stack } from '../support/stack';
import { mailsTo } from '../support/world';

const PAST_DUE_GRACE_MS = 2_000;
const REMOVAL_GRACE_MS = 3_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ entity: { billing: { pastDueGraceMs: PAST_DUE_GRACE_MS, removalGraceMs: REMOVAL_GRACE_MS, snapshotBeforeRemoval: false } } });
});
afterAll(() => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = randomBytes(3).toString('hex');
let seq = 0;
/** Strictly increasing `created` seconds for every event of this file, so the per-subscription order is the order sent. */
let clock = nowSeconds() - 3_600;
const at = () => (clock += 1);

interface Subscribed extends Created {
  subscription: string;
}

function order(): OrderFields & { subscription: string } {
  seq += 1;
  return { subscription: `sub_dun_${run}_${seq}`, plan: 'starter', region: 'eu-frankfurt', hostname: `dun-${run}-${seq}`, email: `dunning-${run}-${seq}@example.com` };
}

function applied(answer: WebhookAnswer, outcome = 'applied'): WebhookAnswer['body'] {
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ received: true, outcome });
  return answer.body;
}

/** A Stripe checkout for a subscription → the instance, running. */
async function activateStripe(): Promise<Subscribed> {
  const { subscription, ...fields } = order();
  const body = applied(await postStripe(stack.apiUrl, stripe.checkoutCompleted(subscription, fields, at())));
  const id = body.instance_id!;
  await untilStatus(stack, id, 'running');
  return { id, subscription, email: fields.email, hostname: fields.hostname, fqdn: `${fields.hostname}.${stack.config.domain}`, provisionId: '' };
}

const instance = (id: string) => getInstance(stack, id);
const ops = async (id: string) => (await operationsOf(stack, id)) as unknown as { type: string; status: string; requested_by: string }[];
const opSummary = async (id: string) => (await ops(id)).map((o) => `${o.type} ${o.status} ${o.requested_by}`).sort();

async function untilBilling(id: string, state: string, graceSet: boolean) {
  return eventually(
    async () => {
      const view = await instance(id);
      return view?.billing?.state === state && (view.billing.grace_until !== null) === graceSet ? view : undefined;
    },
    { what: `instance ${id} billing ${state}${graceSet ? ' with a grace deadline' : ''}` },
  );
}

const entityEvents = async (id: string) => (await stack.client.workflow.getHandle(instanceWorkflowId(id)).fetchHistory()).events ?? [];
const timersOf = (events: Awaited<ReturnType<typeof entityEvents>>) => ({
  started: events.filter((e) => e.timerStartedEventAttributes).length,
  fired: events.filter((e) => e.timerFiredEventAttributes).length,
});

describe('dunning through the Stripe webhook', () => {
  it('activation provisions an instance from the checkout metadata', async () => {
    const created = await activateStripe();
    const view = await instance(created.id);
    expect(view).toMatchObject({ status: 'running', subdomain: created.hostname, plan: 'starter', billing: { state: 'current', grace_until: null } });
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe']);
  });

  it('past due → suspended after the grace, the customer e-mailed; paid → running again', async () => {
    const created = await activateStripe();
    const sentAt = Date.now();
    applied(await postStripe(stack.apiUrl, stripe.paymentFailed(created.subscription, at())));

    const pastDue = await untilBilling(created.id, 'past_due', true);
    expect(pastDue.status).toBe('running');
    const graceUntil = Date.parse(pastDue.billing.grace_until);
    expect(graceUntil).toBeGreaterThanOrEqual(sentAt + PAST_DUE_GRACE_MS - 1_000);
    expect(graceUntil).toBeLessThanOrEqual(Date.now() + PAST_DUE_GRACE_MS + 1_000);
    const mail = await eventually(async () => mailsTo(stack.sandbox, created.email).find((m) => /Payment failed/.test(m.subject)), { what: 'the payment_failed e-mail' });
    expect(mail.subject).toBe(`Payment failed for your OpenClaw gateway ${created.hostname}`);

    const suspended = await untilStatus(stack, created.id, 'suspended');
    expect(Date.now()).toBeGreaterThanOrEqual(graceUntil);
    expect(suspended.billing).toEqual({ state: 'past_due', grace_until: null });
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe', 'suspend succeeded billing:grace']);
    // The grace cost one durable timer, which fired; nothing polled meanwhile.
    expect(timersOf(await entityEvents(created.id))).toEqual({ started: 1, fired: 1 });

    applied(await postStripe(stack.apiUrl, stripe.paid(created.subscription, at())));
    const running = await untilStatus(stack, created.id, 'running');
    expect(running.billing).toEqual({ state: 'current', grace_until: null });
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe', 'suspend succeeded billing:grace', 'unsuspend succeeded billing:stripe']);
  });

  it('paid during the grace → never suspended', async () => {
    const created = await activateStripe();
    applied(await postStripe(stack.apiUrl, stripe.paymentFailed(created.subscription, at())));
    await untilBilling(created.id, 'past_due', true);
    applied(await postStripe(stack.apiUrl, stripe.paid(created.subscription, at())));
    await untilBilling(created.id, 'current', false);
    await sleep(PAST_DUE_GRACE_MS + 1_500);
    expect(await instance(created.id)).toMatchObject({ status: 'running', current_operation: null, billing: { state: 'current', grace_until: null } });
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe']);
    // The timer was started and cancelled by the payment, never fired.
    expect(timersOf(await entityEvents(created.id)).fired).toBe(0);
  });

  it('cancelled → suspended at once, then terminated after the removal grace with nothing left behind', async () => {
    const created = await activateStripe();
    expect(leftovers(stack, created)).toEqual({ servers: 1, records: 1 });
    applied(await postStripe(stack.apiUrl, stripe.deleted(created.subscription, at())));

    const suspended = await untilStatus(stack, created.id, 'suspended');
    expect(suspended.billing.state).toBe('cancelled');
    expect(suspended.billing.grace_until).not.toBeNull();
    await eventually(async () => mailsTo(stack.sandbox, created.email).find((m) => /will be removed/.test(m.subject)), { what: 'the removal_scheduled e-mail' });

    await untilStatus(stack, created.id, 'terminated', 30_000);
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe', 'suspend succeeded billing:stripe', 'terminate succeeded billing:grace']);
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
    expect(await stack.client.workflow.getHandle(instanceWorkflowId(created.id)).result()).toMatchObject({ status: 'terminated' });
  });

  it('reactivated during the removal grace → running again, never terminated', async () => {
    const created = await activateStripe();
    applied(await postStripe(stack.apiUrl, stripe.deleted(created.subscription, at())));
    await untilStatus(stack, created.id, 'suspended');
    applied(await postStripe(stack.apiUrl, stripe.reactivated(created.subscription, at())));
    const running = await untilStatus(stack, created.id, 'running');
    expect(running.billing).toEqual({ state: 'current', grace_until: null });
    await sleep(REMOVAL_GRACE_MS + 1_000);
    expect(await instance(created.id)).toMatchObject({ status: 'running', current_operation: null });
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe', 'suspend succeeded billing:stripe', 'unsuspend succeeded billing:stripe']);
    expect(leftovers(stack, created)).toEqual({ servers: 1, records: 1 });
  });

  it('a redelivered event and an older event after a newer one leave the same end state', async () => {
    // Reference: past due, then paid during the grace.
    const reference = await activateStripe();
    const refFailed = stripe.paymentFailed(reference.subscription, at());
    const refPaid = stripe.paid(reference.subscription, at());
    applied(await postStripe(stack.apiUrl, refFailed));
    applied(await postStripe(stack.apiUrl, refPaid));

    // The same episode, with every event delivered twice and a payment failure older than the
    // payment arriving after it (a new event id, so not a duplicate: stale).
    const noisy = await activateStripe();
    const olderFailure = at();
    const failed = stripe.paymentFailed(noisy.subscription, at());
    const paid = stripe.paid(noisy.subscription, at());
    applied(await postStripe(stack.apiUrl, failed));
    applied(await postStripe(stack.apiUrl, failed), 'duplicate');
    applied(await postStripe(stack.apiUrl, paid));
    applied(await postStripe(stack.apiUrl, paid), 'duplicate');
    applied(await postStripe(stack.apiUrl, failed), 'duplicate');
    applied(await postStripe(stack.apiUrl, stripe.paymentFailed(noisy.subscription, olderFailure)), 'stale');

    await sleep(PAST_DUE_GRACE_MS + 1_500);
    const endState = async (c: Subscribed) => {
      const view = await instance(c.id);
      return { status: view.status, billing: view.billing, operations: await opSummary(c.id), mails: mailsTo(stack.sandbox, c.email).map((m) => m.subject.replace(c.hostname, '<host>')) };
    };
    const expected = await endState(reference);
    expect(expected).toMatchObject({ status: 'running', billing: { state: 'current', grace_until: null }, operations: ['provision succeeded billing:stripe'] });
    expect(await endState(noisy)).toEqual(expected);
  });

  it('the grace timer survives a worker outage: the worker stops while it runs, starts after the deadline, and the suspend still happens', async () => {
    const created = await activateStripe();
    applied(await postStripe(stack.apiUrl, stripe.paymentFailed(created.subscription, at())));
    const pastDue = await untilBilling(created.id, 'past_due', true);
    // The timer is in the history before the worker goes away.
    await eventually(async () => ((timersOf(await entityEvents(created.id))).started === 1 ? true : undefined), { what: 'the grace timer to start' });
    await stack.stopWorker();
    try {
      const deadline = Date.parse(pastDue.billing.grace_until);
      await sleep(Math.max(0, deadline - Date.now()) + 1_500);
      // Past the deadline with no worker: nothing could act yet.
      expect(await instance(created.id)).toMatchObject({ status: 'running', billing: { state: 'past_due' } });
      expect(timersOf(await entityEvents(created.id))).toEqual({ started: 1, fired: 1 });
    } finally {
      await stack.startWorker();
    }
    await untilStatus(stack, created.id, 'suspended');
    expect(await opSummary(created.id)).toEqual(['provision succeeded billing:stripe', 'suspend succeeded billing:grace']);
    expect(timersOf(await entityEvents(created.id))).toEqual({ started: 1, fired: 1 });
  });
});

describe('dunning through the Paddle webhook', () => {
  it('subscription.activated provisions; past_due suspends after the grace; transaction.completed unsuspends', async () => {
    const { subscription, ...fields } = order();
    let t = Date.now() - 3_600_000;
    const next = () => new Date((t += 1_000));
    const body = applied(await postPaddle(stack.apiUrl, paddle.activated(subscription, fields, next())));
    const id = body.instance_id!;
    await untilStatus(stack, id, 'running');
    applied(await postPaddle(stack.apiUrl, paddle.pastDue(subscription, next())));
    await untilBilling(id, 'past_due', true);
    await untilStatus(stack, id, 'suspended');
    applied(await postPaddle(stack.apiUrl, paddle.paid(subscription, next())));
    expect((await untilStatus(stack, id, 'running')).billing).toEqual({ state: 'current', grace_until: null });
    expect(await opSummary(id)).toEqual(['provision succeeded billing:paddle', 'suspend succeeded billing:grace', 'unsuspend succeeded billing:paddle']);
  });
});
