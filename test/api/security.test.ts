import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import express from 'express';
import { newNonce, signRequest, signV2, unixSeconds } from '../../config/request-signing';
import { createApp } from '../../api/app';
import { ApiError, ERROR_CODES, ERROR_STATUS, errorHandler } from '../../api/errors';
import { KEY, OLD_KEY, createBody, rowCounts, setStatus, signed, signedPostHeaders, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => {
  h.client.reset();
  h.clock.offsetMs = 0;
  h.clock.frozenAtMs = undefined;
});

/** Sends exactly these bytes (supertest re-encodes a Buffer sent as JSON). */
async function postBytes(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: any }> {
  const server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: await response.json() };
  } finally {
    server.close();
  }
}

const UNKNOWN = '7d0c3f2e-1111-4222-8333-944455556666';

describe('request signing', () => {
  it('accepts a v2 signature computed by hand the way the WHMCS module does', async () => {
    const raw = JSON.stringify(createBody());
    const headers = { 'X-API-Key': KEY.key, 'X-Timestamp': unixSeconds(Date.now()), 'X-Nonce': newNonce(), 'Idempotency-Key': 'create-by-hand' };
    const signature = signV2(KEY.secret, {
      direction: 'request',
      method: 'POST',
      target: '/api/instances',
      timestamp: headers['X-Timestamp'],
      nonce: headers['X-Nonce'],
      idempotencyKey: headers['Idempotency-Key'],
      body: raw,
    });
    await request(h.app)
      .post('/api/instances')
      .set({ ...headers, 'X-Signature': signature, 'Content-Type': 'application/json' })
      .send(raw)
      .expect(202);
  });

  it('signs a GET over the empty body', async () => {
    await signed(h.app, 'get', `/api/instances/${UNKNOWN}`).expect(404);
  });

  it('accepts every configured key pair (rotation) and records which one asked', async () => {
    const res = await signed(h.app, 'post', '/api/instances', createBody(), { pair: OLD_KEY }).expect(202);
    expect(res.body.operation.requested_by).toBe('whmcs:billing-0');
  });

  it.each([
    ['no headers at all', {}],
    ['no signature', { 'X-Signature': undefined }],
    ['no timestamp', { 'X-Timestamp': undefined }],
    ['no nonce', { 'X-Nonce': undefined }],
    ['a nonce too short to be random', { 'X-Nonce': 'abc' }],
    ['an unknown key', { 'X-API-Key': 'intruder' }],
    ['a key with the other pair’s secret', { 'X-API-Key': OLD_KEY.key }],
    ['a signature that is not hex', { 'X-Signature': 'z'.repeat(64) }],
    ['a truncated signature', { 'X-Signature': 'ab' }],
    ['an upper-case v2 signature', { 'X-Signature': 'v2=' + 'A'.repeat(64) }],
    ['a timestamp that is not a number', { 'X-Timestamp': 'yesterday' }],
  ])('refuses %s with 401 UNAUTHORIZED and writes nothing', async (_what, change) => {
    const raw = JSON.stringify(createBody());
    const headers: Record<string, string | undefined> = { ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json', ...change };
    if (_what === 'no headers at all') {
      delete headers['X-API-Key'];
      delete headers['X-Timestamp'];
      delete headers['X-Signature'];
    }
    const before = await rowCounts(h.db.handle);
    let test = request(h.app).post('/api/instances');
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) test = test.set(name, value);
    const res = await test.send(raw).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.client.starts).toHaveLength(0);
  });

  it('refuses a body changed after signing', async () => {
    const raw = JSON.stringify(createBody());
    const tampered = raw.replace('"starter"', '"enterprise"');
    await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }).send(tampered).expect(401);
  });

  it('verifies the raw bytes, not a re-serialised body (whitespace and key order matter)', async () => {
    const raw = `{ "plan":"starter", ${JSON.stringify(createBody()).slice(1)}`.replace('"plan":"starter",', '');
    await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }).send(raw).expect(202);
    const reordered = JSON.stringify(JSON.parse(raw));
    await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }).send(reordered).expect(401);
  });

  it('accepts timestamps up to 300 s either side of the server clock and refuses beyond', async () => {
    // The server's clock stands still: a second passing between these requests would move 301 s to 300.
    const now = Date.now();
    h.clock.frozenAtMs = now;
    for (const skew of [-299, 299]) {
      await signed(h.app, 'get', `/api/instances/${UNKNOWN}`, undefined, { nowMs: now + skew * 1000 }).expect(404);
    }
    for (const skew of [-301, 301, -86_400]) {
      const res = await signed(h.app, 'get', `/api/instances/${UNKNOWN}`, undefined, { nowMs: now + skew * 1000 }).expect(401);
      expect(res.body.error.message).toMatch(/300 s/);
    }
  });
});

describe('bodies', () => {
  it('refuses a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const raw = JSON.stringify({ ...createBody(), pad: 'x'.repeat(64 * 1024) });
    const res = await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }).send(raw).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('reads a body just under the limit (then validates it)', async () => {
    const raw = JSON.stringify({ ...createBody(), pad: 'x'.repeat(60 * 1024) });
    const res = await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }).send(raw).expect(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ message: expect.stringMatching(/pad/) })]);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form encoding', 'application/x-www-form-urlencoded'],
    ['a non-UTF-8 charset', 'application/json; charset=latin1'],
  ])('refuses %s with 415', async (_what, contentType) => {
    const raw = JSON.stringify(createBody());
    const res = await request(h.app).post('/api/instances').set({ ...signedPostHeaders(KEY, raw), 'Content-Type': contentType }).send(raw).expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a compressed body with 415', async () => {
    const raw = gzipSync(JSON.stringify(createBody()));
    const res = await request(h.app)
      .post('/api/instances')
      .set({ ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
      .send(raw)
      .expect(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['malformed JSON', '{"whmcs_service_id": 1,'],
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_what, raw) => {
    const res = await signed(h.app, 'post', '/api/instances', raw).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('refuses bytes that are not UTF-8 with 400', async () => {
    const raw = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await postBytes('/api/instances', { ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' }, raw);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/UTF-8/);
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 NOT_FOUND in the envelope, never HTML', async () => {
    for (const [method, path] of [
      ['get', '/api/nope'],
      ['put', '/api/instances'],
      ['get', '/'],
      ['patch', `/api/instances/${UNKNOWN}`],
    ] as const) {
      const res = await request(h.app)[method](path).set('Accept', 'text/html').expect(404);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: [] } });
    }
  });

  it('answers an unexpected failure with 500 INTERNAL_ERROR and no stack or internal message', async () => {
    h.client.startBehaviour = 'boom';
    const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(500);
    expect(res.body.error.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(res.body)).not.toMatch(/unexpected bug|at .*\.ts|node_modules/);
    expect(h.logs.text).toContain('an unexpected bug');
  });

  it('answers 503 UNAVAILABLE when Postgres is down', async () => {
    const { openDatabase } = await import('../../schema/db');
    const down = openDatabase('postgres://postgres@127.0.0.1:1/none');
    const app = createApp({ ...h.deps, database: down });
    const res = await signed(app, 'get', `/api/instances/${UNKNOWN}`).expect(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    await down.close();
  });
});

describe('request ids and logs', () => {
  it('echoes a request id, reusing a sane incoming X-Request-Id', async () => {
    const made = await request(h.app).get('/api/health').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await request(h.app).get('/api/health').set('X-Request-Id', 'whmcs-42.abc').expect(200);
    expect(kept.headers['x-request-id']).toBe('whmcs-42.abc');
    const replaced = await request(h.app).get('/api/health').set('X-Request-Id', 'bad id\twith "quotes"').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one JSON line per request with its id, and never a secret, signature, token or e-mail', async () => {
    h.logs.lines = [];
    const body = createBody({ email: 'secret-person@example.org' });
    const raw = JSON.stringify(body);
    const headers = signedPostHeaders(KEY, raw);
    const created = await request(h.app).post('/api/instances').set({ ...headers, 'Content-Type': 'application/json' }).send(raw).expect(202);
    const { callbackToken } = await import('../../config/callback-token');
    const token = callbackToken(h.config.callbackSecret, created.body.id);
    await request(h.app).post(`/api/instances/${created.body.id}/ready`).set('X-Callback-Token', token).expect(200);
    await request(h.app).post(`/api/instances/${created.body.id}/ready`).set('X-Callback-Token', 'f'.repeat(64)).expect(401);
    h.client.startBehaviour = 'boom';
    await signed(h.app, 'post', '/api/instances', createBody({ email: 'secret-person@example.org' })).expect(500);

    const parsed = h.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completions = parsed.filter((line) => line.req && line.res);
    expect(completions).toHaveLength(4);
    expect(completions[0]).toMatchObject({ req: { id: created.headers['x-request-id'], method: 'POST', url: '/api/instances' }, res: { status: 202 } });
    for (const forbidden of [KEY.secret, headers['X-Signature'], token, h.config.callbackSecret, 'secret-person@example.org']) {
      expect(h.logs.text).not.toContain(forbidden);
    }
  });
});

describe('rate limits', () => {
  it('limits each API key on its own with 429 RATE_LIMITED and Retry-After', async () => {
    const limited = { app: createApp({ ...h.deps, rateLimits: { perKeyPerMinute: 3, perIpPerMinute: 100 } }) };
    {
      for (let i = 0; i < 3; i++) await signed(limited.app, 'get', `/api/instances/${UNKNOWN}`).expect(404);
      const res = await signed(limited.app, 'get', `/api/instances/${UNKNOWN}`).expect(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Another key still has its budget; a caller without a valid signature spends none.
      await signed(limited.app, 'get', `/api/instances/${UNKNOWN}`, undefined, { pair: OLD_KEY }).expect(404);
      await request(limited.app).get(`/api/instances/${UNKNOWN}`).set('X-API-Key', OLD_KEY.key).expect(401);
      await signed(limited.app, 'get', `/api/instances/${UNKNOWN}`, undefined, { pair: OLD_KEY }).expect(404);
    }
  });

  it('does not let replays of a captured write spend the key\'s budget (they are refused after the limiter)', async () => {
    const limited = createApp({ ...h.deps, rateLimits: { perKeyPerMinute: 3, perIpPerMinute: 100 } });
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    await setStatus(h.db.handle, created.body.id, 'running');
    const target = `/api/instances/${created.body.id}/reboot`;
    const headers = signRequest(KEY, { method: 'POST', target });
    await request(limited).post(target).set(headers).expect(202);
    for (let i = 0; i < 5; i++) await request(limited).post(target).set(headers).expect(401);
    // The 401s gave their counts back once answered: two of the three remain.
    await new Promise((resolve) => setImmediate(resolve));
    await signed(limited, 'post', target, {}).expect(202);
    await signed(limited, 'post', target, {}).expect(202);
    await signed(limited, 'post', target, {}).expect(429);
  });

  it('limits the ready callback per client IP', async () => {
    const limited = { app: createApp({ ...h.deps, rateLimits: { perKeyPerMinute: 100, perIpPerMinute: 2 } }) };
    {
      for (let i = 0; i < 2; i++) await request(limited.app).post(`/api/instances/${UNKNOWN}/ready`).expect(401);
      const res = await request(limited.app).post(`/api/instances/${UNKNOWN}/ready`).expect(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(res.headers['retry-after']).toBeDefined();
    }
  });

  it('counts ready callbacks per forwarded client only behind a trusted proxy (API_TRUST_PROXY)', async () => {
    const limits = { perKeyPerMinute: 100, perIpPerMinute: 2 };
    const ready = (app: express.Express, client: string) => request(app).post(`/api/instances/${UNKNOWN}/ready`).set('X-Forwarded-For', client);
    const behindProxy = createApp({ ...h.deps, config: { ...h.config, api: { ...h.config.api, trustProxy: 'loopback' } }, rateLimits: limits });
    for (let i = 0; i < 2; i++) await ready(behindProxy, '198.51.100.7').expect(401);
    await ready(behindProxy, '198.51.100.7').expect(429);
    await ready(behindProxy, '198.51.100.8').expect(401); // another VPS, its own budget
    // Without it the header is not believed: a client cannot escape the limit by inventing addresses.
    const direct = createApp({ ...h.deps, rateLimits: limits });
    for (let i = 0; i < 2; i++) await ready(direct, `198.51.100.${10 + i}`).expect(401);
    await ready(direct, '198.51.100.99').expect(429);
  });
});

describe('the error envelope', () => {
  it.each(ERROR_CODES.map((code) => [code, ERROR_STATUS[code]] as const))('answers %s with status %i in the envelope', async (code, status) => {
    // Every code through the real error handler; FORBIDDEN has no route of its own in v1.
    const app = express();
    app.get('/boom', () => {
      throw new ApiError(code, `a ${code}`, [{ path: 'x', message: 'y' }]);
    });
    app.use(errorHandler(h.deps.logger));
    const res = await request(app).get('/boom').expect(status);
    expect(res.body).toEqual({ error: { code, message: `a ${code}`, details: [{ path: 'x', message: 'y' }] } });
  });
});
