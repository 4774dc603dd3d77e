// Property: whatever arrives — random bodies, headers, signatures — the API answers below 500
// in its error envelope, starts no workflow, sends no signal and writes no row for anything
// that is not a valid, correctly signed request.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { z } from 'zod';
import { ERROR_CODES } from '../../api/errors';
import { canonicalString, newNonce, signRequest, signV1, signV2, verifyV2, type SignedHeaders, type SignedRequestParts } from '../../config/request-signing';
import { CreateInstanceBody, KNOWN_WEBHOOK_SCHEMAS, ReadyBody, ReasonBody, ResizeBody, TerminateBody } from '../../api/schemas';
import { createBody, KEY, OLD_KEY, rowCounts, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
let server: Server;
let base: string;
let existing: { id: string; serviceId: number; opId: string };
let baseline: { instances: number; operations: number };

beforeAll(async () => {
  h = await startHarness();
  const body = createBody();
  const created = await signed(h.app, 'post', '/api/instances', body).expect(202);
  await setStatus(h.db.handle, created.body.id, 'running');
  existing = { id: created.body.id, serviceId: body.whmcs_service_id as number, opId: created.body.operation.id };
  h.client.reset();
  baseline = await rowCounts(h.db.handle);
  server = h.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await h.db.stop();
});

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: (id: string) => string;
  /** Schema and a valid body, for routes that take one. */
  schema?: z.ZodType;
  valid?: () => Record<string, unknown>;
  /** The route reads an empty body as `{}`. */
  optionalBody?: boolean;
  signed: boolean;
}

const ROUTES: Route[] = [
  { method: 'POST', path: () => '/api/instances', schema: CreateInstanceBody, valid: () => createBody(), signed: true },
  { method: 'GET', path: () => `/api/instances?whmcs_service_id=${existing.serviceId}`, signed: true },
  { method: 'GET', path: (id) => `/api/instances/${id}`, signed: true },
  { method: 'POST', path: (id) => `/api/instances/${id}/suspend`, schema: ReasonBody, valid: () => ({ reason: 'r' }), optionalBody: true, signed: true },
  { method: 'POST', path: (id) => `/api/instances/${id}/unsuspend`, schema: ReasonBody, valid: () => ({}), optionalBody: true, signed: true },
  { method: 'POST', path: (id) => `/api/instances/${id}/reboot`, schema: ReasonBody, valid: () => ({}), optionalBody: true, signed: true },
  { method: 'POST', path: (id) => `/api/instances/${id}/resize`, schema: ResizeBody, valid: () => ({ plan: 'enterprise' }), signed: true },
  { method: 'DELETE', path: (id) => `/api/instances/${id}`, schema: TerminateBody, valid: () => ({ snapshot: true }), optionalBody: true, signed: true },
  { method: 'GET', path: (id) => `/api/instances/${id}/operations`, signed: true },
  { method: 'GET', path: (id) => `/api/instances/${id}/operations/${existing.opId}`, signed: true },
  { method: 'POST', path: (id) => `/api/instances/${id}/ready`, schema: ReadyBody, valid: () => ({ openclaw_version: '1.0.0' }), optionalBody: true, signed: false },
  {
    method: 'POST',
    path: () => '/api/webhooks/whmcs',
    schema: KNOWN_WEBHOOK_SCHEMAS.ServiceCancelled,
    valid: () => ({ event: 'ServiceCancelled', service_id: existing.serviceId }),
    signed: true,
  },
];

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const anyId = () => fc.oneof(fc.constant(existing.id), fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/));
/** Routes by name, so a counterexample prints as one line. */
const pick = (routes: Route[]) => fc.constantFrom(...routes.map((_, i) => i)).map((i) => Object.assign(Object.create({ toString: () => `${routes[i]!.method} ${routes[i]!.path(':id')}` }), routes[i]) as Route);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Would the route accept these bytes as its body (the API reads an empty body as no options)? */
function accepted(route: Route, raw: string | Uint8Array): boolean {
  const bytes = encode(raw);
  if (bytes.length === 0) return route.schema!.safeParse(route.optionalBody ? {} : undefined).success;
  try {
    return route.schema!.safeParse(JSON.parse(utf8.decode(bytes))).success;
  } catch {
    return false;
  }
}

/** A body that the route's schema refuses: random JSON, bytes, or a valid body with one bad change. */
function invalidBody(route: Route): fc.Arbitrary<string | Uint8Array> {
  const mutated = fc
    .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), fc.boolean())
    .map(([key, value, replace]) => {
      const body = route.valid!();
      const keys = Object.keys(body);
      if (replace && keys.length > 0) body[keys[key.length % keys.length]!] = value;
      else body[`x_${key}`] = value;
      return body;
    })
    .map((body) => JSON.stringify(body));
  return fc
    .oneof(
      mutated,
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }),
    )
    .filter((raw) => !accepted(route, raw));
}

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''),
  printable(30),
);

type Headers = Record<string, string>;

/** A valid v2 signature of exactly this request (POST and DELETE get a random Idempotency-Key). */
const signedFor = (method: string, path: string, raw: Uint8Array, nowMs?: number): SignedHeaders =>
  signRequest(KEY, { method, target: path, body: Buffer.from(raw), ...(nowMs !== undefined ? { nowMs } : {}) });

/** Ways to get the signature wrong, applied to the request actually sent. */
type Mangle = (method: string, path: string, raw: Uint8Array) => Headers;
const badSignature: fc.Arbitrary<Mangle> = fc.oneof(
  fc.constant<Mangle>(() => ({})),
  fc
    .record({ 'X-API-Key': printable(20), 'X-Timestamp': printable(12), 'X-Nonce': printable(70), 'X-Signature': printable(70) })
    .map((headers): Mangle => () => headers),
  fc.stringMatching(/^v2=[0-9a-f]{64}$/).map((sig): Mangle => (m, p, raw) => ({ ...signedFor(m, p, raw), 'X-Signature': sig })),
  fc.constantFrom('intruder', 'billing-0').map((key): Mangle => (m, p, raw) => ({ ...signedFor(m, p, raw), 'X-API-Key': key })),
  // From 302 s: a timestamp is whole seconds, rounded down, so +301 s can land back at 300 s from
  // the app's (real) clock when the second turns between signing and checking.
  fc.integer({ min: 302, max: 10 ** 6 }).chain((skew) =>
    fc.constantFrom(-1, 1).map((direction): Mangle => (m, p, raw) => signedFor(m, p, raw, Date.now() + direction * skew * 1000)),
  ),
  fc.constant<Mangle>((m, p, raw) => {
    const good = signedFor(m, p, raw);
    return { ...good, 'X-Signature': good['X-Signature'].slice(0, 66) };
  }),
  // A correct v1 signature: refused while API_ACCEPT_V1_SIGNATURES is off (the default).
  fc.constant<Mangle>((_m, _p, raw) => {
    const ts = String(Math.floor(Date.now() / 1000));
    return { 'X-API-Key': KEY.key, 'X-Timestamp': ts, 'X-Signature': signV1(KEY.secret, Buffer.from(raw), ts), 'Idempotency-Key': newNonce() };
  }),
  // Signed over other bytes than those sent.
  fc.constant<Mangle>((m, p, raw) => signedFor(m, p, Buffer.concat([Buffer.from(raw), Buffer.from(' ')]))),
);

const extraHeaders: fc.Arbitrary<Headers> = fc.record(
  {
    'Idempotency-Key': printable(140),
    'X-Request-Id': printable(80),
    'X-Callback-Token': printable(80),
    'X-Forwarded-For': printable(40),
  },
  { requiredKeys: [] },
);

async function send(method: string, path: string, headers: Headers, body: Uint8Array | undefined) {
  const res = await fetch(`${base}${path}`, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

function expectEnvelope(res: { status: number; json: any; text: string; type: string }, allowed: number[]): void {
  if (!allowed.includes(res.status) || res.status >= 500) {
    throw new Error(`status ${res.status} not in ${allowed.join(',')}: ${res.text.slice(0, 300)}`);
  }
  expect(res.type).toMatch(/^application\/json/);
  if (res.status >= 400) {
    expect(ERROR_CODES).toContain(res.json?.error?.code);
    expect(typeof res.json.error.message).toBe('string');
    expect(res.text).not.toMatch(/<html|\bat [\w.]+ \(|node_modules/i);
  }
}

const encode = (raw: string | Uint8Array) => (typeof raw === 'string' ? new TextEncoder().encode(raw) : raw);
const RUNS = Number(process.env.HOSTFLOW_FUZZ_RUNS ?? 1000);

describe('random input never breaks the API', () => {
  afterEach(async () => {
    expect(h.client.starts).toEqual([]);
    expect(h.client.signals).toEqual([]);
    expect(await rowCounts(h.db.handle)).toEqual(baseline);
  });

  it('refuses every badly signed request with 401 (or 413 for an oversized body)', async () => {
    const big = new Uint8Array(64 * 1024 + 1).fill(0x20);
    const signedRoutes = ROUTES.filter((r) => r.signed);
    await fc.assert(
      fc.asyncProperty(
        pick(signedRoutes),
        anyId(),
        fc.oneof({ weight: 9, arbitrary: fc.uint8Array({ maxLength: 200 }) }, { weight: 1, arbitrary: fc.constant(big) }),
        fc.boolean(),
        badSignature,
        extraHeaders,
        contentTypes,
        async (route, id, raw, useValidBody, mangle, extra, contentType) => {
          const body = useValidBody && route.valid ? encode(JSON.stringify(route.valid())) : raw;
          const bad = mangle(route.method, route.path(id), body);
          const res = await send(route.method, route.path(id), { ...extra, 'Content-Type': contentType || 'application/json', ...bad }, body);
          expectEnvelope(res, body.length > 64 * 1024 && route.method !== 'GET' ? [413] : [401]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses every correctly signed but invalid body without effect', async () => {
    const bodyRoutes = ROUTES.filter((r) => r.signed && r.schema);
    await fc.assert(
      fc.asyncProperty(
        pick(bodyRoutes).chain((route) => fc.tuple(fc.constant(route), invalidBody(route))),
        anyId(),
        extraHeaders,
        contentTypes,
        async ([route, raw], id, extra, contentType) => {
          const body = encode(raw);
          const headers = { ...extra, 'Content-Type': contentType, ...signedFor(route.method, route.path(id), body) };
          const res = await send(route.method, route.path(id), headers, body);
          // 404/409 can come only from a body the schema accepts; the filters keep those out,
          // except the webhook's catch-all for unknown events, which is a 202 "ignored".
          if (res.status === 202) expect(res.json).toMatchObject({ ignored: true });
          expectEnvelope(res, route.path('') === '/api/webhooks/whmcs' ? [202, 400, 415] : [400, 415]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers valid bodies for instances that do not exist with 404, and reads without writing', async () => {
    const targetRoutes = ROUTES.filter((r) => r.signed && r.path('x').includes('x'));
    await fc.assert(
      fc.asyncProperty(pick(targetRoutes), fc.uuid(), extraHeaders, async (route, id, extra) => {
        const body = route.valid ? encode(JSON.stringify(route.valid())) : new Uint8Array();
        delete extra['Idempotency-Key'];
        const headers: Headers = { ...extra, ...signedFor(route.method, route.path(id), body) };
        if (body.length > 0) headers['Content-Type'] = 'application/json';
        const res = await send(route.method, route.path(id), headers, body);
        expectEnvelope(res, [404]);
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it('never acknowledges a ready callback without the instance token', async () => {
    const ready = ROUTES.find((r) => r.path('x').endsWith('/ready'))!;
    await fc.assert(
      fc.asyncProperty(
        anyId(),
        fc.oneof(invalidBody(ready), fc.constant(JSON.stringify(ready.valid!()))),
        printable(80),
        contentTypes,
        async (id, raw, token, contentType) => {
          const res = await send('POST', ready.path(id), { 'X-Callback-Token': token, 'Content-Type': contentType }, encode(raw));
          expectEnvelope(res, [401]);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

// Property: a v2 signature binds every part of the request. Change any one of method, path,
// query, timestamp, nonce, key, Idempotency-Key, body or direction after signing, and it fails.
describe('a v2 signature cannot be re-aimed', () => {
  interface Sent {
    parts: SignedRequestParts;
    /** The X-API-Key sent; the signature is always made with KEY's secret. */
    apiKey: string;
  }
  type Change = (sent: Sent) => Sent;
  const withParts = (change: (parts: SignedRequestParts) => Partial<SignedRequestParts>): Change => (sent) => ({ ...sent, parts: { ...sent.parts, ...change(sent.parts) } });

  // Built inside the tests: the routes' ids exist only after beforeAll.
  const oneChange = (): fc.Arbitrary<Change> => fc.oneof(
    fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH').map((method) => withParts(() => ({ method }))),
    pick(ROUTES).chain((route) => anyId().map((id) => withParts(() => ({ target: route.path(id) })))),
    fc.constantFrom('/', '/suspend', '/..', '%2F', 'x').map((suffix) => withParts((p) => ({ target: `${p.target.split('?')[0]}${suffix}${p.target.includes('?') ? `?${p.target.split('?')[1]}` : ''}` }))),
    fc.stringMatching(/^[a-z_]{1,12}=[0-9]{1,6}$/).map((query) => withParts((p) => ({ target: p.target.includes('?') ? `${p.target}&${query}` : `${p.target}?${query}` }))),
    fc.integer({ min: 1, max: 9_999 }).map((serviceId) => withParts((p) => ({ target: p.target.replace(/(\?.*)?$/, `?whmcs_service_id=${serviceId}`) }))),
    fc.integer({ min: -299, max: 299 }).map((skew) => withParts((p) => ({ timestamp: String(Number(p.timestamp) + skew) }))),
    fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/).map((nonce) => withParts(() => ({ nonce }))),
    fc.constantFrom(OLD_KEY.key, 'intruder', KEY.key.toUpperCase()).map((apiKey): Change => (sent) => ({ ...sent, apiKey })),
    fc.option(fc.stringMatching(/^[\x21-\x7e]{1,200}$/), { nil: undefined }).map((idempotencyKey) => withParts(() => ({ idempotencyKey }))),
    fc.uint8Array({ maxLength: 64 }).map((extra) => withParts((p) => ({ body: Buffer.concat([Buffer.from(p.body), extra]) }))),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((body) => withParts(() => ({ body: Buffer.from(body) }))),
    fc.constant(withParts(() => ({ direction: 'webhook' as const }))),
  );

  /** A request as a billing system would sign it for one of the API's signed routes. */
  const validRequest = (): fc.Arbitrary<Sent> => fc
    .tuple(pick(ROUTES.filter((r) => r.signed)), anyId(), fc.boolean(), fc.stringMatching(/^[\x21-\x7e]{1,200}$/), fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/))
    .map(([route, id, withBody, idempotencyKey, nonce]) => ({
      apiKey: KEY.key,
      parts: {
        direction: 'request' as const,
        method: route.method,
        target: route.path(id),
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce,
        idempotencyKey: route.method === 'GET' ? undefined : idempotencyKey,
        body: route.method !== 'GET' && withBody && route.valid ? JSON.stringify(route.valid()) : '',
      },
    }));

  afterEach(async () => {
    expect(h.client.starts).toEqual([]);
    expect(h.client.signals).toEqual([]);
    expect(await rowCounts(h.db.handle)).toEqual(baseline);
  });

  const differs = (a: Sent, b: Sent) => a.apiKey !== b.apiKey || canonicalString(a.parts) !== canonicalString(b.parts);

  it('fails verification after any one change (the signing module)', () => {
    fc.assert(
      fc.property(validRequest(), oneChange(), (sent, change) => {
        const changed = change(sent);
        fc.pre(differs(sent, changed));
        const signature = signV2(KEY.secret, sent.parts);
        expect(verifyV2([KEY, OLD_KEY], sent.apiKey, sent.parts, signature)).toBe(KEY.key);
        expect(verifyV2([KEY, OLD_KEY], changed.apiKey, changed.parts, signature)).toBeUndefined();
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('refuses with 401, without effect, a request signed for another one (the API)', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest(), oneChange(), async (sent, change) => {
        // The request on the wire is valid for its route; its signature was made for `other`.
        const other = change(sent);
        fc.pre(differs(sent, other));
        const { parts } = sent;
        const headers: Headers = {
          'X-API-Key': other.apiKey,
          'X-Timestamp': parts.timestamp,
          'X-Nonce': parts.nonce,
          'X-Signature': signV2(KEY.secret, other.parts),
          ...(parts.idempotencyKey !== undefined ? { 'Idempotency-Key': parts.idempotencyKey } : {}),
          ...(parts.body.length > 0 ? { 'Content-Type': 'application/json' } : {}),
        };
        const res = await send(parts.method, parts.target, headers, parts.body.length > 0 ? Buffer.from(parts.body) : undefined);
        expectEnvelope(res, [401]);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
