// Fault rules: seeded error rates, latency, 429 storms, and "commit then drop", the fault that
// shows why a provider create must be idempotent.

import Cloudflare from 'cloudflare';
import type { FaultRule, Sandbox } from '../../sandbox';
import { CLOUDFLARE_TOKEN, type HcloudClient, hcloud, raw, testSandbox } from './helpers';

let sandbox: Sandbox;
let client: HcloudClient;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
  client = hcloud(sandbox);
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

let seq = 0;

/** What a careless activity does: create, and on any error try again with a fresh name. */
async function naiveCreateWithRetry(): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { server } = await client.servers.build(`vps-${++seq}`).serverType('cpx22').image('ubuntu-24.04').labels({ instance: 'inst-7' }).create();
      return server.id as number;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function statuses(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await raw(`${sandbox.hetznerUrl}/servers`)).status);
  return out;
}

describe('fault rules', () => {
  test('commit then drop on server create makes a naive create-then-retry produce two servers', async () => {
    sandbox.setFaults([{ route: 'POST /v1/servers', commitThenDrop: { count: 1 } }]);
    await naiveCreateWithRetry();
    const servers = sandbox.state().servers.filter((s) => (s['labels'] as Record<string, string>)['instance'] === 'inst-7');
    expect(servers).toHaveLength(2);
    expect(sandbox.state().requests['POST /v1/servers']).toBe(2);
  });

  test('a held answer: the server exists before the client hears of it', async () => {
    // Held long enough that a loaded machine cannot let the answer out before the check below,
    // which waits for the server itself rather than a fixed time.
    sandbox.setFaults([{ route: 'POST /v1/servers', answerDelayMs: 2_000 }]);
    let answered = false;
    const create = client.servers
      .build('held-1')
      .serverType('cpx22')
      .image('ubuntu-24.04')
      .create()
      .then((r: unknown) => {
        answered = true;
        return r;
      });
    const names = () => sandbox.state().servers.map((s) => s['name']);
    while (!names().includes('held-1') && !answered) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(names()).toContain('held-1');
    expect(answered).toBe(false);
    await create;
    expect(answered).toBe(true);
  });

  test('commit then drop with a stable name turns the retry into uniqueness_error: the server exists', async () => {
    sandbox.setFaults([{ route: 'POST /v1/servers', commitThenDrop: { count: 1 } }]);
    const create = () => client.servers.build('stable-1').serverType('cpx22').image('ubuntu-24.04').create();
    const first = await create().catch((e: { code?: string; message?: string }) => e);
    expect(first).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    const second = await create().catch((e: { code?: string }) => e);
    expect(second).toMatchObject({ code: 'uniqueness_error' });
    expect(sandbox.state().servers.map((s) => s['name'])).toEqual(['stable-1']);
  });

  test('commit then drop on a DNS create makes the retry hit 81058', async () => {
    const cf = new Cloudflare({ apiToken: CLOUDFLARE_TOKEN, baseURL: sandbox.cloudflareUrl, maxRetries: 0 });
    sandbox.setFaults([{ route: 'POST /client/v4/zones/:zone_id/dns_records', commitThenDrop: { count: 1 } }]);
    const params = { zone_id: sandbox.cloudflareZoneId, type: 'A' as const, name: 'w.hostflow.test', content: '203.0.113.5', ttl: 60 };
    await expect(cf.dns.records.create(params)).rejects.toBeInstanceOf(Cloudflare.APIConnectionError);
    await expect(cf.dns.records.create(params)).rejects.toMatchObject({ status: 400, errors: [expect.objectContaining({ code: 81058 })] });
    expect(sandbox.state().dns_records).toHaveLength(1);
  });

  test('an error rate replays exactly for the same seed, and differs for another seed', async () => {
    const rules: FaultRule[] = [{ route: 'GET /v1/servers', errorRate: 0.5, status: 503, code: 'service_error' }];
    sandbox.setFaults(rules, 42);
    const first = await statuses(24);
    sandbox.setFaults(rules, 42);
    const replay = await statuses(24);
    sandbox.setFaults(rules, 7);
    const other = await statuses(24);
    expect(replay).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  test('an injected error uses the provider envelope with the chosen status and code', async () => {
    sandbox.setFaults([
      { route: 'POST /v1/servers/:id/actions/:action', errorCount: 1, status: 500, code: 'server_error', message: 'boom' },
      { route: 'GET /client/v4/zones/:zone_id/dns_records', errorCount: 1, status: 502, code: 1000 },
    ]);
    const h = await raw(`${sandbox.hetznerUrl}/servers/1/actions/poweroff`, 'POST');
    expect(h.status).toBe(500);
    expect(h.body).toEqual({ error: { code: 'server_error', message: 'boom', details: null } });
    const c = await raw(`${sandbox.cloudflareUrl}/zones/${sandbox.cloudflareZoneId}/dns_records`, 'GET', undefined, CLOUDFLARE_TOKEN);
    expect(c.status).toBe(502);
    expect(c.body).toMatchObject({ success: false, errors: [{ code: 1000 }] });
    expect(sandbox.state().faults.rules.map((r) => r.errorCount)).toEqual([0, 0]);
  });

  test('a rule on one server action leaves the others alone', async () => {
    const { server } = await client.servers.build('act-1').serverType('cpx22').image('ubuntu-24.04').create();
    sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/shutdown', errorRate: 1, status: 503 }]);
    await new Promise((r) => setTimeout(r, 100));
    expect((await raw(`${sandbox.hetznerUrl}/servers/${server.id}/actions/shutdown`, 'POST')).status).toBe(503);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${server.id}/actions/poweroff`, 'POST')).status).toBe(201);
    expect(sandbox.state().requests).toMatchObject({
      'POST /v1/servers/:id/actions/:action': 2,
      'POST /v1/servers/:id/actions/shutdown': 1,
      'POST /v1/servers/:id/actions/poweroff': 1,
    });
  });

  test('a 429 storm answers the next N calls with the provider\'s 429 and headers', async () => {
    sandbox.setFaults([{ route: '*', rateLimitStorm: { count: 2 } }]);
    const h = await raw(`${sandbox.hetznerUrl}/servers`);
    expect(h.status).toBe(429);
    expect(h.body.error.code).toBe('rate_limit_exceeded');
    expect(h.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(h.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const c = await raw(`${sandbox.cloudflareUrl}/zones/${sandbox.cloudflareZoneId}/dns_records`, 'GET', undefined, CLOUDFLARE_TOKEN);
    expect(c.status).toBe(429);
    expect(c.headers.get('retry-after')).toBe('1');
    expect((await raw(`${sandbox.hetznerUrl}/servers`)).status).toBe(200);
  });

  test('latency delays the answer', async () => {
    sandbox.setFaults([{ route: 'GET /v1/servers/:id', latencyMs: 150 }]);
    const t0 = Date.now();
    await raw(`${sandbox.hetznerUrl}/servers/123`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = Date.now();
    await raw(`${sandbox.hetznerUrl}/servers`);
    expect(Date.now() - t1).toBeLessThan(140);
  });

  test('reset answers a request that is waiting out injected latency instead of leaving it hanging', async () => {
    sandbox.setFaults([{ route: 'GET /v1/servers', latencyMs: 10_000 }]);
    const t0 = Date.now();
    const pending = raw(`${sandbox.hetznerUrl}/servers`);
    await new Promise((r) => setTimeout(r, 50));
    sandbox.reset();
    expect((await pending).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  test('faults are set over HTTP with a seed, listed with remaining counts, and validated', async () => {
    const set = await raw(`${sandbox.httpUrl}/__sandbox/faults`, 'POST', { seed: 9, rules: [{ route: 'POST /v1/servers', commitThenDrop: { count: 2 } }] }, null);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ seed: 9, rules: [{ route: 'POST /v1/servers', commitThenDrop: { count: 2 } }] });
    const bad = await raw(`${sandbox.httpUrl}/__sandbox/faults`, 'POST', [{ route: 'GET /v1/servers', errorRate: 2 }], null);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/errorRate/);
    const cleared = await raw(`${sandbox.httpUrl}/__sandbox/faults`, 'DELETE', undefined, null);
    expect(cleared.body.rules).toEqual([]);
  });

  test('reset clears servers, records, counters and faults', async () => {
    await client.servers.build('r-1').serverType('cpx22').image('ubuntu-24.04').create();
    sandbox.setFaults([{ route: '*', latencyMs: 1 }]);
    const res = await raw(`${sandbox.httpUrl}/__sandbox/reset`, 'POST', undefined, null);
    expect(res.body).toEqual({ ok: true });
    const state = sandbox.state();
    expect(state).toMatchObject({ servers: [], actions: [], images: [], dns_records: [], messages: [], callbacks: [], requests: {} });
    expect(state.faults.rules).toEqual([]);
  });
});
