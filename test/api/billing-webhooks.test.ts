// POST /api/webhooks/paddle and /stripe: signatures (right, wrong, stale, tampered, missing,
// rotated), event-id dedupe, per-subscription ordering, activation creates, refused orders, and
// the billingEvent signal each applied event sends to the instance's entity.
import request from 'supertest';
import { paddleSignatureHeader } from '../../api/billing/paddle-signature';
import { stripeSignatureHeader } from '../../api/billing/stripe-signature';
import { instanceWorkflowId } from '../../workflows/ids';
import { startHarness, testConfig, type Harness } from './support';

const PADDLE_OLD = 'pdl_ntfset_old_secret_0123456789';
const PADDLE_NEW = 'pdl_ntfset_new_secret_0123456789';
const STRIPE_OLD = 'whsec_old_secret_0123456789abcdef';
const STRIPE_NEW = 'whsec_new_secret_0123456789abcdef';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: testConfig({ PADDLE_WEBHOOK_SECRETS: `${PADDLE_NEW},${PADDLE_OLD}`, STRIPE_WEBHOOK_SECRETS: `${STRIPE_NEW},${STRIPE_OLD}` }) });
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(async () => {
  await h.db.handle.sql`truncate snapshots, instance_health, operations, instances, events, deliveries, billing_events`;
  h.client.reset();
  h.clock.offsetMs = 0;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
let counter = 0;
const unique = (prefix: string) => `${prefix}_${Date.now()}${(counter += 1)}`;
const ORDER = { plan: 'starter', region: 'eu-frankfurt', hostname: 'paddle-box', email: 'bob@example.com' };

function paddleEvent(type: string, data: Record<string, unknown>, occurredAt = new Date()): string {
  return JSON.stringify({ event_id: unique('evt'), notification_id: unique('ntf'), event_type: type, occurred_at: occurredAt.toISOString(), data });
}

function postPaddle(raw: string, header: string | null = paddleSignatureHeader(raw, PADDLE_NEW, nowSeconds())) {
  const test = request(h.app).post('/api/webhooks/paddle').set('Content-Type', 'application/json');
  return (header === null ? test : test.set('Paddle-Signature', header)).send(raw);
}

function stripeEvent(type: string, object: Record<string, unknown>, previous?: Record<string, unknown>, created = nowSeconds()): string {
  return JSON.stringify({ id: unique('evt'), object: 'event', type, created, data: { object, ...(previous ? { previous_attributes: previous } : {}) } });
}

function postStripe(raw: string, header: string | null = stripeSignatureHeader(raw, STRIPE_NEW, nowSeconds())) {
  const test = request(h.app).post('/api/webhooks/stripe').set('Content-Type', 'application/json; charset=utf-8');
  return (header === null ? test : test.set('Stripe-Signature', header)).send(raw);
}

const billingRows = async () => h.db.handle.sql<{ event_id: string; outcome: string; reason: string | null; deliveries: number }[]>`select event_id, outcome, reason, deliveries from billing_events order by received_at`;
const billingSignals = () => h.client.signals.filter((s) => s.signal === 'billingEvent');

async function paddleInstance(subscriptionId = unique('sub')): Promise<string> {
  const res = await postPaddle(paddleEvent('subscription.activated', { id: subscriptionId, status: 'active', customer_id: 'ctm_01', custom_data: { ...ORDER, hostname: `p-${counter}-box` } })).expect(200);
  expect(res.body.outcome).toBe('applied');
  return res.body.instance_id as string;
}

describe('Paddle webhook', () => {
  it('creates the instance from subscription.activated, through the POST /api/instances path', async () => {
    const raw = paddleEvent('subscription.activated', { id: 'sub_01paddle', status: 'active', customer_id: 'ctm_01abc', custom_data: ORDER });
    const res = await postPaddle(raw).expect(200);
    expect(res.body).toMatchObject({ received: true, outcome: 'applied', type: 'subscription.activated' });
    const [row] = await h.db.handle.sql`select billing_source, billing_ref, billing_customer, whmcs_service_id, email, subdomain, status from instances where id = ${res.body.instance_id}`;
    expect(row).toEqual({ billing_source: 'paddle', billing_ref: 'sub_01paddle', billing_customer: 'ctm_01abc', whmcs_service_id: null, email: 'bob@example.com', subdomain: 'paddle-box', status: 'provisioning' });
    expect(h.client.starts).toHaveLength(1);
    const input = h.client.starts[0]!.options.args[0] as { instance: Record<string, unknown>; billing: unknown };
    expect(input.instance).toMatchObject({ customerId: 'ctm_01abc', serviceId: 'sub_01paddle', plan: 'starter', subdomain: 'paddle-box' });
    expect(JSON.stringify(input)).not.toContain('bob@example.com');
    expect(input.billing).toEqual({ pastDueGraceMs: 7 * 86_400_000, removalGraceMs: 30 * 86_400_000, snapshotBeforeRemoval: false });
    // The first transaction.completed of the same subscription finds the instance: a payment, not a second create.
    const paid = await postPaddle(paddleEvent('transaction.completed', { id: 'txn_1', subscription_id: 'sub_01paddle', custom_data: ORDER })).expect(200);
    expect(paid.body).toMatchObject({ outcome: 'applied', instance_id: res.body.instance_id });
    expect(h.client.starts).toHaveLength(1);
    expect(billingSignals().map((s) => (s.args[0] as { kind: string }).kind)).toEqual(['paid']);
  });

  it('creates from the first transaction.completed when no activation came first', async () => {
    const res = await postPaddle(paddleEvent('transaction.completed', { id: 'txn_9', subscription_id: 'sub_txnfirst', customer_id: 'ctm_9', custom_data: { ...ORDER, hostname: 'txn-box' } })).expect(200);
    expect(res.body.outcome).toBe('applied');
    expect(h.client.starts).toHaveLength(1);
  });

  it('refuses an activation without the order fields: recorded, logged, nothing started, still 200', async () => {
    const res = await postPaddle(paddleEvent('subscription.activated', { id: 'sub_nodata', status: 'active', custom_data: { plan: 'starter' } })).expect(200);
    expect(res.body.outcome).toBe('refused');
    expect(res.body.reason).toMatch(/region: missing.*hostname: missing.*email: missing/);
    expect(h.client.starts).toHaveLength(0);
    expect((await h.db.handle.sql`select count(*)::int as n from instances`)[0]!.n).toBe(0);
    expect(await billingRows()).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    expect(h.logs.text).toContain('BILLING ORDER REFUSED');
  });

  it('signals each applied event to the entity, and answers a redelivery 200 without a second signal', async () => {
    const id = await paddleInstance('sub_signal');
    const raw = paddleEvent('subscription.past_due', { id: 'sub_signal', status: 'past_due' });
    const first = await postPaddle(raw).expect(200);
    expect(first.body).toMatchObject({ outcome: 'applied', instance_id: id });
    const sent = JSON.parse(raw) as { event_id: string; occurred_at: string };
    expect(billingSignals()).toEqual([
      { workflowId: instanceWorkflowId(id), signal: 'billingEvent', args: [{ kind: 'past_due', eventId: sent.event_id, source: 'paddle', occurredAt: sent.occurred_at }] },
    ]);
    const again = await postPaddle(raw).expect(200);
    expect(again.body.outcome).toBe('duplicate');
    expect(billingSignals()).toHaveLength(1);
    const rows = await billingRows();
    expect(rows.find((r) => r.event_id === sent.event_id)).toMatchObject({ outcome: 'applied', deliveries: 2 });
  });

  it('maps paused, resumed and canceled; ignores an older event that arrives after a newer one', async () => {
    await paddleInstance('sub_order');
    const t0 = Date.now();
    const newer = paddleEvent('subscription.paused', { id: 'sub_order', status: 'paused' }, new Date(t0));
    const older = paddleEvent('subscription.past_due', { id: 'sub_order', status: 'past_due' }, new Date(t0 - 60_000));
    await postPaddle(newer).expect(200);
    const late = await postPaddle(older).expect(200);
    expect(late.body.outcome).toBe('stale');
    await postPaddle(paddleEvent('subscription.resumed', { id: 'sub_order', status: 'active' }, new Date(t0 + 1000))).expect(200);
    await postPaddle(paddleEvent('subscription.canceled', { id: 'sub_order', status: 'canceled' }, new Date(t0 + 2000))).expect(200);
    expect(billingSignals().map((s) => (s.args[0] as { kind: string }).kind)).toEqual(['paused', 'resumed', 'cancelled']);
  });

  it('records an unknown event type as ignored and answers 200', async () => {
    const res = await postPaddle(paddleEvent('address.created', { id: 'add_1' })).expect(200);
    expect(res.body.outcome).toBe('ignored');
    expect(await billingRows()).toEqual([expect.objectContaining({ outcome: 'ignored' })]);
  });

  describe('signatures', () => {
    const raw = () => paddleEvent('subscription.past_due', { id: 'sub_sig', status: 'past_due' });
    const refused = async (res: request.Response) => {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(await billingRows()).toEqual([]);
      expect(h.client.signals).toEqual([]);
    };

    it('refuses a wrong secret, a tampered body, a missing or malformed header, a too old or future ts', async () => {
      const body = raw();
      await refused(await postPaddle(body, paddleSignatureHeader(body, 'pdl_ntfset_someone_else_0123', nowSeconds())));
      await refused(await postPaddle(body.replace('past_due', 'active__'), paddleSignatureHeader(body, PADDLE_NEW, nowSeconds())));
      await refused(await postPaddle(body, null));
      await refused(await postPaddle(body, 'ts=abc;h1=zz'));
      await refused(await postPaddle(body, paddleSignatureHeader(body, PADDLE_NEW, nowSeconds() - 4 * 86_400)));
      await refused(await postPaddle(body, paddleSignatureHeader(body, PADDLE_NEW, nowSeconds() + 3600)));
    });

    it('accepts the old and the new secret during a rotation, and a header with two h1', async () => {
      for (const secret of [PADDLE_OLD, PADDLE_NEW]) {
        const body = raw();
        expect((await postPaddle(body, paddleSignatureHeader(body, secret, nowSeconds()))).status).toBe(200);
      }
      const body = raw();
      const ts = nowSeconds();
      const wrong = paddleSignatureHeader(body, 'pdl_ntfset_retired_0123456789', ts).split(';h1=')[1];
      const right = paddleSignatureHeader(body, PADDLE_OLD, ts).split(';h1=')[1];
      expect((await postPaddle(body, `ts=${ts};h1=${wrong};h1=${right}`)).status).toBe(200);
    });

    it("accepts Paddle's retry an hour after the first attempt (its ts is the first attempt's)", async () => {
      const body = raw();
      expect((await postPaddle(body, paddleSignatureHeader(body, PADDLE_NEW, nowSeconds() - 3600))).status).toBe(200);
    });
  });
});

describe('Stripe webhook', () => {
  const session = (subscription: string, metadata: Record<string, unknown>) => ({ id: unique('cs'), object: 'checkout.session', mode: 'subscription', subscription, customer: 'cus_123', metadata });
  const subscription = (id: string, fields: Record<string, unknown>) => ({ id, object: 'subscription', customer: 'cus_123', ...fields });

  async function stripeInstance(sub: string): Promise<string> {
    const res = await postStripe(stripeEvent('checkout.session.completed', session(sub, { ...ORDER, hostname: `s-${counter}-box` }))).expect(200);
    expect(res.body.outcome).toBe('applied');
    return res.body.instance_id as string;
  }

  it('creates from checkout.session.completed and again finds it from customer.subscription.created', async () => {
    const id = await stripeInstance('sub_stripe1');
    const [row] = await h.db.handle.sql`select billing_source, billing_ref, billing_customer from instances where id = ${id}`;
    expect(row).toEqual({ billing_source: 'stripe', billing_ref: 'sub_stripe1', billing_customer: 'cus_123' });
    const created = await postStripe(stripeEvent('customer.subscription.created', subscription('sub_stripe1', { status: 'active', metadata: { ...ORDER, hostname: 'other-name' } }))).expect(200);
    expect(created.body).toMatchObject({ outcome: 'applied', instance_id: id });
    expect((await h.db.handle.sql`select count(*)::int as n from instances`)[0]!.n).toBe(1);
  });

  it('refuses a subscription whose metadata lacks the order fields', async () => {
    const res = await postStripe(stripeEvent('customer.subscription.created', subscription('sub_nometa', { status: 'active', metadata: {} }))).expect(200);
    expect(res.body.outcome).toBe('refused');
    expect(h.client.starts).toHaveLength(0);
  });

  it('maps payment_failed, paid, paused, resumed, reactivated and deleted, each signalled once', async () => {
    const id = await stripeInstance('sub_map');
    const t = nowSeconds();
    const events = [
      stripeEvent('invoice.payment_failed', { id: 'in_1', object: 'invoice', subscription: 'sub_map' }, undefined, t),
      stripeEvent('invoice.paid', { id: 'in_2', object: 'invoice', parent: { subscription_details: { subscription: 'sub_map' } } }, undefined, t + 1),
      stripeEvent('customer.subscription.updated', subscription('sub_map', { status: 'paused' }), { status: 'active' }, t + 2),
      stripeEvent('customer.subscription.updated', subscription('sub_map', { status: 'active' }), { status: 'paused' }, t + 3),
      stripeEvent('customer.subscription.updated', subscription('sub_map', { status: 'active', cancel_at_period_end: false }), { cancel_at_period_end: true }, t + 4),
      stripeEvent('customer.subscription.updated', subscription('sub_map', { status: 'active', metadata: {} }), { metadata: { a: 'b' } }, t + 5),
      stripeEvent('customer.subscription.deleted', subscription('sub_map', { status: 'canceled' }), undefined, t + 6),
    ];
    for (const raw of events) await postStripe(raw).expect(200);
    expect(billingSignals().map((s) => [s.workflowId, (s.args[0] as { kind: string; source: string }).kind])).toEqual(
      ['past_due', 'paid', 'paused', 'resumed', 'reactivated', 'cancelled'].map((kind) => [instanceWorkflowId(id), kind]),
    );
  });

  it('answers a redelivery as a duplicate and ignores an older event after a newer one', async () => {
    await stripeInstance('sub_dedupe');
    const t = nowSeconds();
    const paid = stripeEvent('invoice.paid', { id: 'in_5', subscription: 'sub_dedupe' }, undefined, t);
    const failed = stripeEvent('invoice.payment_failed', { id: 'in_4', subscription: 'sub_dedupe' }, undefined, t - 30);
    expect((await postStripe(paid).expect(200)).body.outcome).toBe('applied');
    expect((await postStripe(paid).expect(200)).body.outcome).toBe('duplicate');
    expect((await postStripe(failed).expect(200)).body.outcome).toBe('stale');
    expect(billingSignals().map((s) => (s.args[0] as { kind: string }).kind)).toEqual(['paid']);
  });

  describe('signatures', () => {
    const raw = () => stripeEvent('invoice.paid', { id: 'in_sig', subscription: 'sub_sig' });
    const refused = async (res: request.Response) => {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(await billingRows()).toEqual([]);
    };

    it('refuses a wrong secret, a tampered body, a missing header and a timestamp over 5 minutes old', async () => {
      const body = raw();
      await refused(await postStripe(body, stripeSignatureHeader(body, 'whsec_someone_else_0123456789', nowSeconds())));
      await refused(await postStripe(body.replace('in_sig', 'in_sog'), stripeSignatureHeader(body, STRIPE_NEW, nowSeconds())));
      await refused(await postStripe(body, null));
      await refused(await postStripe(body, stripeSignatureHeader(body, STRIPE_NEW, nowSeconds() - 6 * 60)));
    });

    it('accepts the old and the new secret during a rotation', async () => {
      for (const secret of [STRIPE_OLD, STRIPE_NEW]) {
        const body = raw();
        expect((await postStripe(body, stripeSignatureHeader(body, secret, nowSeconds()))).status).toBe(200);
      }
    });
  });
});

it('answers 404 for a provider without secrets', async () => {
  const off = await startHarness();
  try {
    const res = await request(off.app).post('/api/webhooks/stripe').set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  } finally {
    await off.db.stop();
  }
});
