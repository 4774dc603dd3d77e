import request from 'supertest';
import { callbackToken } from '../../config/callback-token';
import { createApp } from '../../api/app';
import { openDatabase } from '../../schema/db';
import { instanceWorkflowId, provisionWorkflowId } from '../../workflows/ids';
import { createBody, rowCounts, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => h.client.reset());

async function instance(status?: string): Promise<{ id: string; serviceId: number }> {
  const body = createBody();
  const res = await signed(h.app, 'post', '/api/instances', body).expect(202);
  if (status) await setStatus(h.db.handle, res.body.id, status);
  h.client.reset();
  return { id: res.body.id as string, serviceId: body.whmcs_service_id as number };
}

describe('POST /api/instances/:id/ready', () => {
  const ready = (id: string, token: string | undefined, body?: unknown) => {
    let test = request(h.app).post(`/api/instances/${id}/ready`);
    if (token !== undefined) test = test.set('X-Callback-Token', token);
    return body === undefined ? test : test.set('Content-Type', 'application/json').send(JSON.stringify(body));
  };

  it('signals ready to the provision workflow with the versions it reports', async () => {
    const { id } = await instance();
    const res = await ready(id, callbackToken(h.config.callbackSecret, id), { openclaw_version: '1.4.2', gateway_port: 18789 }).expect(200);
    expect(res.body).toEqual({ acknowledged: true });
    expect(h.client.signals).toEqual([
      { workflowId: provisionWorkflowId(id), signal: 'ready', args: [{ openclawVersion: '1.4.2', gatewayPort: 18789 }] },
    ]);
  });

  it('accepts an empty body', async () => {
    const { id } = await instance();
    await ready(id, callbackToken(h.config.callbackSecret, id)).expect(200);
    expect(h.client.signals[0]!.args).toEqual([{}]);
  });

  it('answers a repeated call 200 after provision has finished', async () => {
    const { id } = await instance();
    h.client.signalBehaviour = 'not-found';
    const res = await ready(id, callbackToken(h.config.callbackSecret, id)).expect(200);
    expect(res.body).toEqual({ acknowledged: true });
  });

  it.each([
    ['no token', () => undefined],
    ['an empty token', () => ''],
    ['a wrong token', () => 'f'.repeat(64)],
    ["another instance's token", () => callbackToken(h.config.callbackSecret, '7d0c3f2e-1111-4222-8333-944455556666')],
    ['a token made with another secret', (id: string) => callbackToken('another-secret-0123456789', id)],
  ])('refuses %s with 401 and sends no signal', async (_what, token) => {
    const { id } = await instance();
    const res = await ready(id, token(id), { openclaw_version: '1.0.0' }).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(h.client.signals).toHaveLength(0);
  });

  it('answers 401 for an unknown instance without a valid token, revealing nothing', async () => {
    const res = await ready('7d0c3f2e-1111-4222-8333-944455556666', 'f'.repeat(64)).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('checks the token before the body, and refuses unknown fields with 400', async () => {
    const { id } = await instance();
    await ready(id, 'wrong', { bogus: 1 }).expect(401);
    const res = await ready(id, callbackToken(h.config.callbackSecret, id), { bogus: 1 }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    await ready(id, callbackToken(h.config.callbackSecret, id), { gateway_port: 70000 }).expect(400);
    expect(h.client.signals).toHaveLength(0);
  });

  it('answers 503 when Temporal is down, so cloud-init retries', async () => {
    const { id } = await instance();
    h.client.signalBehaviour = 'unavailable';
    const res = await ready(id, callbackToken(h.config.callbackSecret, id)).expect(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
  });

  it('needs no request signature', async () => {
    const { id } = await instance();
    await ready(id, callbackToken(h.config.callbackSecret, id)).set('X-API-Key', 'nobody').expect(200);
  });
});

describe('POST /api/webhooks/whmcs', () => {
  it.each([
    ['InvoicePaid', 'suspended', {}, 'unsuspend', { reason: 'WHMCS InvoicePaid #88' }, { invoice_id: 88 }],
    ['ServiceCancelled', 'running', { snapshot: true }, 'terminate', { snapshot: true }, {}],
    ['ServiceUpgrade', 'running', { plan: 'enterprise' }, 'resize', { plan: 'enterprise' }, {}],
  ])('maps %s to %s', async (event, status, extra, type, args, more) => {
    const { id, serviceId } = await instance(status);
    const key = `whmcs-${event}-${serviceId}`;
    const res = await signed(h.app, 'post', '/api/webhooks/whmcs', { event, service_id: serviceId, ...extra, ...more }, { idempotencyKey: key }).expect(202);
    expect(res.body).toEqual({ event, operation: expect.objectContaining({ type, status: 'queued', seq: 2, args }) });
    expect(h.client.signals).toEqual([
      {
        workflowId: instanceWorkflowId(id),
        signal: 'requestOperation',
        args: [{ operationId: res.body.operation.id, type, seq: 2, args, idempotencyKey: key, requestedBy: 'whmcs:billing-1' }],
      },
    ]);
  });

  it('logs an unknown event and answers 202 without effect', async () => {
    const { serviceId } = await instance('running');
    const before = await rowCounts(h.db.handle);
    const res = await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'ClientAdd', service_id: serviceId, anything: [1, 2] }).expect(202);
    expect(res.body).toEqual({ event: 'ClientAdd', ignored: true });
    expect(h.client.signals).toHaveLength(0);
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.logs.text).toContain('WHMCS event ignored');
  });

  it('answers 404 for a service with no instance', async () => {
    const res = await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'InvoicePaid', service_id: 123456 }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 409 INVALID_TRANSITION for a terminated instance and an unknown plan', async () => {
    const gone = await instance('terminated');
    await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'InvoicePaid', service_id: gone.serviceId }).expect(409);
    const live = await instance('running');
    const res = await signed(h.app, 'post', '/api/webhooks/whmcs', { event: 'ServiceUpgrade', service_id: live.serviceId, plan: 'mega' }).expect(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
  });

  it.each([
    ['no event', { service_id: 1 }],
    ['a non-string event', { event: 5, service_id: 1 }],
    ['a known event with an unknown field', { event: 'InvoicePaid', service_id: 1, extra: true }],
    ['a known event without service_id', { event: 'ServiceCancelled' }],
    ['an upgrade without plan', { event: 'ServiceUpgrade', service_id: 1 }],
  ])('refuses %s with 400', async (_what, body) => {
    const res = await signed(h.app, 'post', '/api/webhooks/whmcs', body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('honours Idempotency-Key: a retried delivery is the same operation', async () => {
    const { serviceId } = await instance('suspended');
    const body = { event: 'InvoicePaid', service_id: serviceId, invoice_id: 9 };
    const first = await signed(h.app, 'post', '/api/webhooks/whmcs', body, { idempotencyKey: 'inv-9' }).expect(202);
    const again = await signed(h.app, 'post', '/api/webhooks/whmcs', body, { idempotencyKey: 'inv-9' }).expect(202);
    expect(again.body.operation.id).toBe(first.body.operation.id);
    expect(h.client.signals).toHaveLength(1);
  });

  it('is signed', async () => {
    await request(h.app).post('/api/webhooks/whmcs').set('Content-Type', 'application/json').send('{"event":"InvoicePaid","service_id":1}').expect(401);
  });
});

describe('GET /api/health', () => {
  it('answers 200 when Temporal and Postgres answer', async () => {
    const res = await request(h.app).get('/api/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: { temporal: { ok: true, latency_ms: expect.any(Number) }, postgres: { ok: true, latency_ms: expect.any(Number) } },
    });
  });

  it('answers 503 naming Temporal when it is down', async () => {
    h.client.pingBehaviour = 'unavailable';
    const res = await request(h.app).get('/api/health').expect(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      checks: { temporal: { ok: false, error: 'not answering' }, postgres: { ok: true } },
      error: { code: 'UNAVAILABLE', message: 'Temporal not answering', details: [] },
    });
  });

  it('answers 503 naming Postgres when it is down, without revealing its address', async () => {
    const down = openDatabase('postgres://postgres@127.0.0.1:1/none');
    try {
      const res = await request(createApp({ ...h.deps, database: down })).get('/api/health').expect(503);
      expect(res.body).toMatchObject({ checks: { temporal: { ok: true }, postgres: { ok: false } }, error: { message: 'Postgres not answering' } });
      expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    } finally {
      await down.close();
    }
  });
});
