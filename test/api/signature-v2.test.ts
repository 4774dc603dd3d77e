// The attacks signature v2 exists to stop, performed through the real API: replaying a captured
// request, re-aiming its signature at another path, query, method or instance, swapping its
// Idempotency-Key, bending its timestamp; v1 only when enabled; a webhook that follows no redirect.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { createBillingActivities } from '../../activities/billing';
import { createApp } from '../../api/app';
import { createReplayStore, NONCE_RETENTION_MS } from '../../api/auth/replay-store';
import { canonicalString, newNonce, signRequest, signV1, signV2, unixSeconds, verifyV2WithSecret } from '../../config/request-signing';
import { KEY, createBody, rowCounts, setStatus, signed, startHarness, testConfig, testWorkerConfig, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => {
  h.client.reset();
});

const UNKNOWN = '7d0c3f2e-1111-4222-8333-944455556666';

/** A running instance to aim requests at. */
async function runningInstance(): Promise<string> {
  const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  await setStatus(h.db.handle, created.body.id, 'running');
  h.client.reset();
  return created.body.id as string;
}

describe('the canonical string', () => {
  it('matches the README worked example byte for byte', () => {
    const parts = {
      direction: 'request' as const,
      method: 'POST',
      target: '/api/instances',
      timestamp: '1767225600',
      nonce: 'pK3v9XqL2mN8sR4tW6yZ0b',
      idempotencyKey: 'whmcs-1042-create',
      body: '{"whmcs_service_id":1042,"whmcs_client_id":77,"email":"alice@example.com","plan":"starter","region":"eu-frankfurt"}',
    };
    expect(canonicalString(parts)).toBe(
      'hostflow-v2\nrequest\nPOST\n/api/instances\n1767225600\npK3v9XqL2mN8sR4tW6yZ0b\nwhmcs-1042-create\neb378cc0142f190aa9acaa82fd5e70dd1c8b21fe3e91e3d6b0f67b0e9633815a',
    );
    expect(signV2('example-secret-0123456789abcdef', parts)).toBe('v2=b89408892a5f46d255f963d10938b9d6df021c390aaa0c957ceae79a42fcafb1');
  });
});

describe('replays', () => {
  it('refuses a captured GET sent again with the same nonce, on this replica or another', async () => {
    const headers = signRequest(KEY, { method: 'GET', target: `/api/instances/${UNKNOWN}` });
    await request(h.app).get(`/api/instances/${UNKNOWN}`).set(headers).expect(404);
    const again = await request(h.app).get(`/api/instances/${UNKNOWN}`).set(headers).expect(401);
    expect(again.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/already received/) });
    const otherReplica = createApp(h.deps);
    await request(otherReplica).get(`/api/instances/${UNKNOWN}`).set(headers).expect(401);
  });

  it('refuses a replayed reboot: it queues once', async () => {
    const id = await runningInstance();
    const headers = signRequest(KEY, { method: 'POST', target: `/api/instances/${id}/reboot` });
    await request(h.app).post(`/api/instances/${id}/reboot`).set(headers).expect(202);
    const before = await rowCounts(h.db.handle);
    await request(h.app).post(`/api/instances/${id}/reboot`).set(headers).expect(401);
    expect(h.client.signals).toHaveLength(1);
    expect(await rowCounts(h.db.handle)).toEqual(before);
  });

  it('refuses a replayed suspend without taking an operation number, even when the first attempt left no row (nonce, checks and seq are one statement)', async () => {
    const id = await runningInstance();
    const target = `/api/instances/${id}/suspend`;
    const headers = signRequest(KEY, { method: 'POST', target });
    // Temporal unavailable: the first attempt takes seq 2 and writes no operation row, so nothing
    // but the nonce tells its replay apart from a new request.
    h.client.signalBehaviour = 'unavailable';
    await request(h.app).post(target).set(headers).expect(503);
    h.client.signalBehaviour = 'ok';
    await request(h.app).post(target).set(headers).expect(401);
    expect(h.client.signals).toHaveLength(0);
    const next = await signed(h.app, 'post', target, {}).expect(202);
    expect(next.body.operation.seq).toBe(3);
  });

  it('burns the nonce of an operation request refused before or by its statement (404, 400, 409)', async () => {
    const id = await runningInstance();
    const cases = [
      { target: `/api/instances/${UNKNOWN}/reboot`, body: '', status: 404 },
      { target: `/api/instances/not-a-uuid/reboot`, body: '', status: 404 },
      { target: `/api/instances/${id}/resize`, body: '{"plan":7}', status: 400 },
      { target: `/api/instances/${id}/resize`, body: '{"plan":"no-such-plan"}', status: 409 },
    ];
    for (const { target, body, status } of cases) {
      const headers = { ...signRequest(KEY, { method: 'POST', target, body }), ...(body ? { 'Content-Type': 'application/json' } : {}) };
      const send = () => (body ? request(h.app).post(target).set(headers).send(body) : request(h.app).post(target).set(headers));
      await send().expect(status);
      const again = await send().expect(401);
      expect(again.body.error.message).toMatch(/already received/);
    }
    // None of them took an operation number.
    expect((await signed(h.app, 'post', `/api/instances/${id}/reboot`, {}).expect(202)).body.operation.seq).toBe(2);
  });

  it('refuses a replayed WHMCS webhook, mapped to an operation or ignored', async () => {
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    await setStatus(h.db.handle, created.body.id, 'suspended');
    const serviceId = (await h.db.handle.sql<{ s: number }[]>`select whmcs_service_id as s from instances where id = ${created.body.id}`)[0]!.s;
    h.client.reset();
    for (const event of [{ event: 'InvoicePaid', service_id: serviceId }, { event: 'ClientAdd', service_id: serviceId }]) {
      const body = JSON.stringify(event);
      const headers = { ...signRequest(KEY, { method: 'POST', target: '/api/webhooks/whmcs', body }), 'Content-Type': 'application/json' };
      await request(h.app).post('/api/webhooks/whmcs').set(headers).send(body).expect(202);
      await request(h.app).post('/api/webhooks/whmcs').set(headers).send(body).expect(401);
    }
    expect(h.client.signals).toHaveLength(1);
  });

  it('keeps nonces for twice the window, then purges them', async () => {
    const store = createReplayStore(h.db.handle.db);
    const t0 = Date.now();
    const nonce = newNonce();
    expect(await store.claim('purge-test', nonce, t0)).toBe(true);
    expect(await store.claim('purge-test', nonce, t0 + 1000)).toBe(false);
    expect(await store.claim('purge-test', newNonce(), t0 + NONCE_RETENTION_MS + 61_000)).toBe(true);
    const [left] = await h.db.handle.sql<{ n: number }[]>`select count(*)::int as n from request_nonces where api_key = 'purge-test' and nonce = ${nonce}`;
    expect(left?.n).toBe(0);
  });
});

describe('re-aimed signatures', () => {
  it('refuses a GET signature sent to another path, another query, or as a DELETE', async () => {
    const id = await runningInstance();
    const captured = signRequest(KEY, { method: 'GET', target: `/api/instances/${id}` });
    await request(h.app).get(`/api/instances/${UNKNOWN}`).set(captured).expect(401);
    await request(h.app).get(`/api/instances/${id}/operations`).set(captured).expect(401);
    await request(h.app).delete(`/api/instances/${id}`).set(captured).expect(401);
    await request(h.app).delete(`/api/instances/${id}`).set({ ...captured, 'Idempotency-Key': 'k-1' }).expect(401);

    const listing = signRequest(KEY, { method: 'GET', target: '/api/instances?whmcs_service_id=7' });
    await request(h.app).get('/api/instances?whmcs_service_id=8').set(listing).expect(401);
    await request(h.app).get('/api/instances?whmcs_service_id=7&x=1').set(listing).expect(401);
    expect(h.client.signals).toEqual([]);
  });

  it("refuses a POST body's signature sent to another instance or another operation", async () => {
    const [a, b] = [await runningInstance(), await runningInstance()];
    const raw = JSON.stringify({ reason: 'unpaid' });
    const captured = { ...signRequest(KEY, { method: 'POST', target: `/api/instances/${a}/suspend`, body: raw }), 'Content-Type': 'application/json' };
    await request(h.app).post(`/api/instances/${b}/suspend`).set(captured).send(raw).expect(401);
    await request(h.app).post(`/api/instances/${a}/reboot`).set(captured).send(raw).expect(401);
    expect(h.client.signals).toEqual([]);
  });

  it('refuses a request whose Idempotency-Key was swapped after signing', async () => {
    const id = await runningInstance();
    const headers = signRequest(KEY, { method: 'POST', target: `/api/instances/${id}/reboot`, idempotencyKey: 'reboot-1' });
    await request(h.app).post(`/api/instances/${id}/reboot`).set({ ...headers, 'Idempotency-Key': 'reboot-2' }).expect(401);
    const { 'Idempotency-Key': _dropped, ...withoutKey } = headers;
    await request(h.app).post(`/api/instances/${id}/reboot`).set(withoutKey).expect(401);
    expect(h.client.signals).toEqual([]);
  });

  it.each(['0123', '+123', '1e9', '123.0'])('refuses the non-canonical timestamp %j even when it is what was signed', async (shape) => {
    const now = unixSeconds(Date.now());
    const timestamp = shape === '1e9' ? '1e9' : shape.replace('123', now);
    const nonce = newNonce();
    const target = `/api/instances/${UNKNOWN}`;
    const signature = signV2(KEY.secret, { direction: 'request', method: 'GET', target, timestamp, nonce, idempotencyKey: undefined, body: '' });
    const res = await request(h.app).get(target).set({ 'X-API-Key': KEY.key, 'X-Timestamp': timestamp, 'X-Nonce': nonce, 'X-Signature': signature }).expect(401);
    expect(res.body.error.message).toMatch(/canonical unix seconds/);
  });
});

describe('Idempotency-Key', () => {
  it.each(['post', 'delete'] as const)('is required on every %s (400 VALIDATION_ERROR)', async (method) => {
    const id = await runningInstance();
    const target = method === 'post' ? `/api/instances/${id}/suspend` : `/api/instances/${id}`;
    const timestamp = unixSeconds(Date.now());
    const nonce = newNonce();
    const signature = signV2(KEY.secret, { direction: 'request', method, target, timestamp, nonce, idempotencyKey: undefined, body: '' });
    const res = await request(h.app)[method](target).set({ 'X-API-Key': KEY.key, 'X-Timestamp': timestamp, 'X-Nonce': nonce, 'X-Signature': signature }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'Idempotency-Key', message: 'required' }] });
    expect(h.client.signals).toEqual([]);
  });
});

describe('legacy v1 signatures', () => {
  const v1Headers = (raw: string) => {
    const timestamp = unixSeconds(Date.now());
    return { 'X-API-Key': KEY.key, 'X-Timestamp': timestamp, 'X-Signature': signV1(KEY.secret, raw, timestamp), 'Content-Type': 'application/json' };
  };

  it('are refused by default', async () => {
    const raw = JSON.stringify(createBody());
    const res = await request(h.app).post('/api/instances').set({ ...v1Headers(raw), 'Idempotency-Key': 'v1-a' }).send(raw).expect(401);
    expect(res.body.error.message).toMatch(/sign with v2/);
  });

  it('are accepted when API_ACCEPT_V1_SIGNATURES is on, with a warning at start, but an exact replay of a POST is refused', async () => {
    h.logs.lines = [];
    const legacy = createApp({ ...h.deps, config: testConfig({ API_ACCEPT_V1_SIGNATURES: 'true' }) });
    expect(h.logs.text).toMatch(/API_ACCEPT_V1_SIGNATURES=true.*re-aimed/);
    const raw = JSON.stringify(createBody());
    const headers = { ...v1Headers(raw), 'Idempotency-Key': 'v1-create' };
    await request(legacy).post('/api/instances').set(headers).send(raw).expect(202);
    const before = await rowCounts(h.db.handle);
    const replay = await request(legacy).post('/api/instances').set(headers).send(raw).expect(401);
    expect(replay.body.error.message).toMatch(/already received/);
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.client.starts).toHaveLength(1);
    // What v1 still costs: a GET can be sent again (it changes nothing).
    const get = v1Headers('');
    await request(legacy).get(`/api/instances/${UNKNOWN}`).set(get).expect(404);
    await request(legacy).get(`/api/instances/${UNKNOWN}`).set(get).expect(404);
  });
});

describe('the outgoing billing webhook', () => {
  const listen = (app: express.Express) =>
    new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  const urlOf = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const event = (operationId: string) => ({ instanceId: 'i-1', operationId, serviceId: '7', event: 'instance.suspended', status: 'suspended' });
  const SECRET = 'webhook-secret-0123456789abcdef';

  it('is signed v2 in the webhook direction with its own secret', async () => {
    const received: { headers: Record<string, string | undefined>; body: Buffer; path: string }[] = [];
    const receiver = await listen(
      express()
        .use(express.raw({ type: () => true }))
        .post('/hooks/hostflow', (req, res) => {
          received.push({ headers: { ts: req.get('x-timestamp'), nonce: req.get('x-nonce'), key: req.get('idempotency-key'), sig: req.get('x-signature'), apiKey: req.get('x-api-key') }, body: req.body as Buffer, path: req.originalUrl });
          res.status(204).end();
        }),
    );
    try {
      const activities = createBillingActivities({ db: h.db.handle.db, billing: { url: urlOf(receiver, '/hooks/hostflow?src=hostflow'), webhookSecret: SECRET } });
      await expect(activities.notifyBilling(event('op-signed'))).resolves.toBe('sent');
      const [call] = received;
      const parts = { direction: 'webhook' as const, method: 'POST', target: call!.path, timestamp: call!.headers.ts!, nonce: call!.headers.nonce!, idempotencyKey: call!.headers.key, body: call!.body };
      expect(call!.path).toBe('/hooks/hostflow?src=hostflow');
      expect(call!.headers.apiKey).toBeUndefined();
      expect(verifyV2WithSecret(SECRET, parts, call!.headers.sig!)).toBe(true);
      // Not a request signature, and not the inbound key's: it cannot be reflected at the API.
      expect(verifyV2WithSecret(SECRET, { ...parts, direction: 'request' }, call!.headers.sig!)).toBe(false);
      expect(verifyV2WithSecret(KEY.secret, parts, call!.headers.sig!)).toBe(false);
    } finally {
      receiver.close();
    }
  });

  it('does not follow a redirect: the activity fails and the redirect target receives nothing', async () => {
    const stolen: unknown[] = [];
    const target = await listen(express().use(express.raw({ type: () => true })).post('/steal', (req, res) => void (stolen.push(req.body), res.status(204).end())));
    const redirector = await listen(express().post('/hook', (_req, res) => res.redirect(307, urlOf(target, '/steal'))));
    try {
      const activities = createBillingActivities({ db: h.db.handle.db, billing: { url: urlOf(redirector, '/hook'), webhookSecret: SECRET } });
      await expect(activities.notifyBilling(event('op-redirect'))).rejects.toThrow(/redirect/);
      expect(stolen).toEqual([]);
    } finally {
      redirector.close();
      target.close();
    }
  });

  it('needs its own secret and https outside this machine (the worker\'s config)', () => {
    expect(() => testWorkerConfig({ BILLING_WEBHOOK_URL: 'https://billing.example.com/hook' })).toThrow(/BILLING_WEBHOOK_SECRET: required/);
    expect(() => testWorkerConfig({ BILLING_WEBHOOK_URL: 'http://billing.example.com/hook', BILLING_WEBHOOK_SECRET: SECRET })).toThrow(/https/);
    expect(() => testWorkerConfig({ BILLING_WEBHOOK_URL: 'https://billing.example.com/hook', BILLING_WEBHOOK_SECRET: KEY.secret })).toThrow(/must differ/);
    expect(testWorkerConfig({ BILLING_WEBHOOK_URL: 'http://127.0.0.1:9/hook', BILLING_WEBHOOK_SECRET: SECRET }).billingWebhookSecret).toBe(SECRET);
  });
});
