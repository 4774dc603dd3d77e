// The ready callback under attack: a flood of bad tokens must not jam a VPS's real callback, and a
// token read off a VPS after its first use must signal nothing.
import request from 'supertest';
import { createApp } from '../../api/app';
import { callbackToken } from '../../config/callback-token';
import { provisionWorkflowId } from '../../workflows/ids';
import { createBody, LogCapture, signed, startHarness, type Harness } from './support';
import { createLogger } from '../../api/logging';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => h.client.reset());

async function newInstance(): Promise<string> {
  const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  h.client.reset();
  return res.body.id as string;
}

const ready = (app: Parameters<typeof request>[0], id: string, token: string | undefined, body?: unknown) => {
  let test = request(app).post(`/api/instances/${id}/ready`);
  if (token !== undefined) test = test.set('X-Callback-Token', token);
  return body === undefined ? test : test.set('Content-Type', 'application/json').send(JSON.stringify(body));
};

async function usedAt(id: string): Promise<string | null> {
  const [row] = await h.db.handle.sql<{ callback_used_at: string | null }[]>`select callback_used_at from instances where id = ${id}`;
  return row?.callback_used_at ?? null;
}

describe('a flood of bad callbacks', () => {
  it('cannot jam a VPS: after 320 wrong tokens from one address, the valid callback still signals', async () => {
    // The default limit (300 per IP per minute), and every request from the same address, as
    // behind a proxy without API_TRUST_PROXY.
    const app = createApp({ ...h.deps, rateLimits: {} });
    const id = await newInstance();
    const statuses: number[] = [];
    for (let i = 0; i < 320; i++) statuses.push((await ready(app, id, 'f'.repeat(64))).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(300);
    expect(statuses.slice(300).every((s) => s === 429)).toBe(true);

    const res = await ready(app, id, callbackToken(h.config.callbackSecret, id), { openclaw_version: '1.4.2' }).expect(200);
    expect(res.body).toEqual({ acknowledged: true });
    expect(h.client.signals).toEqual([{ workflowId: provisionWorkflowId(id), signal: 'ready', args: [{ openclawVersion: '1.4.2' }] }]);
  });

  it('never counts valid callbacks against the limit', async () => {
    const app = createApp({ ...h.deps, rateLimits: { perIpPerMinute: 2 } });
    for (let i = 0; i < 5; i++) {
      const id = await newInstance();
      await ready(app, id, callbackToken(h.config.callbackSecret, id)).expect(200);
    }
    await ready(app, await newInstance(), 'wrong').expect(401);
  });

  it('warns once when X-Forwarded-For arrives without API_TRUST_PROXY', async () => {
    const logs = new LogCapture();
    const app = createApp({ ...h.deps, logger: createLogger('info', logs) });
    const id = await newInstance();
    for (let i = 0; i < 3; i++) await ready(app, id, 'wrong').set('X-Forwarded-For', '198.51.100.7').expect(401);
    expect(logs.lines.filter((line) => line.includes('API_TRUST_PROXY is unset'))).toHaveLength(1);

    const trusted = new LogCapture();
    const behindProxy = createApp({ ...h.deps, logger: createLogger('info', trusted), config: { ...h.config, api: { ...h.config.api, trustProxy: 'loopback' } } });
    await ready(behindProxy, id, 'wrong').set('X-Forwarded-For', '198.51.100.7').expect(401);
    expect(trusted.text).not.toContain('API_TRUST_PROXY is unset');
  });
});

describe('the callback token is single-use', () => {
  it('signals on the first valid call only; a replay is acknowledged and sends nothing', async () => {
    const id = await newInstance();
    const token = callbackToken(h.config.callbackSecret, id);
    await ready(h.app, id, token, { openclaw_version: '1.0.0' }).expect(200);
    expect(await usedAt(id)).not.toBeNull();
    expect(h.client.signals).toHaveLength(1);

    const replay = await ready(h.app, id, token, { openclaw_version: '6.6.6' }).expect(200);
    expect(replay.body).toEqual({ acknowledged: true });
    expect(h.client.signals).toHaveLength(1);
  });

  it('stays usable when the signal could not be delivered, so the VPS\'s retry gets through', async () => {
    const id = await newInstance();
    const token = callbackToken(h.config.callbackSecret, id);
    h.client.signalBehaviour = 'unavailable';
    await ready(h.app, id, token).expect(503);
    expect(await usedAt(id)).toBeNull();
    h.client.signalBehaviour = 'ok';
    await ready(h.app, id, token).expect(200);
    expect(h.client.signals).toHaveLength(1);
    expect(await usedAt(id)).not.toBeNull();
  });
});

describe('openclaw_version', () => {
  it.each([['1.2.3 (build 4)'], ['v2026.11.3-beta+sha.1a2b'], ['x'.repeat(64)]])('accepts %s', async (version) => {
    const id = await newInstance();
    await ready(h.app, id, callbackToken(h.config.callbackSecret, id), { openclaw_version: version }).expect(200);
    expect(h.client.signals[0]!.args).toEqual([{ openclawVersion: version }]);
  });

  it.each([['an empty string', ''], ['65 characters', 'x'.repeat(65)], ['a newline', '1.2.3\nrm -rf'], ['a control character', '1.2\u0007']])(
    'refuses %s with 400',
    async (_what, version) => {
      const id = await newInstance();
      const res = await ready(h.app, id, callbackToken(h.config.callbackSecret, id), { openclaw_version: version }).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(h.client.signals).toHaveLength(0);
    },
  );
});
