// The fake Cloudflare DNS API driven by the official `cloudflare` package, as the activities use it.

import Cloudflare from 'cloudflare';
import type { Sandbox } from '../../sandbox';
import { CLOUDFLARE_TOKEN, raw, testSandbox } from '../sandbox/helpers';

let sandbox: Sandbox;
let cf: Cloudflare;
let zone_id: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  cf = new Cloudflare({ apiToken: CLOUDFLARE_TOKEN, baseURL: sandbox.cloudflareUrl, maxRetries: 0 });
  zone_id = sandbox.cloudflareZoneId;
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof Cloudflare.APIError>> {
  return p.then(
    () => {
      throw new Error('expected Cloudflare to refuse');
    },
    (e: unknown) => {
      if (!(e instanceof Cloudflare.APIError)) throw e;
      return e;
    },
  );
}

describe('cloudflare package against the fake DNS API', () => {
  test('creates an A record and returns it in the v4 envelope', async () => {
    const rec = await cf.dns.records.create({ zone_id, type: 'A', name: 'web-1.hostflow.test', content: '203.0.113.7', ttl: 60, proxied: false });
    expect(rec).toMatchObject({ type: 'A', name: 'web-1.hostflow.test', content: '203.0.113.7', ttl: 60, proxied: false, proxiable: true });
    expect(rec.id).toMatch(/^[0-9a-f]{32}$/);
    const res = await raw(`${sandbox.cloudflareUrl}/zones/${zone_id}/dns_records/${rec.id}`, 'GET', undefined, CLOUDFLARE_TOKEN);
    expect(res.body).toEqual({ success: true, errors: [], messages: [], result: expect.objectContaining({ id: rec.id }) });
  });

  test('completes short names with the zone name, like Cloudflare', async () => {
    const rec = await cf.dns.records.create({ zone_id, type: 'A', name: 'short', content: '203.0.113.8', ttl: 1 });
    expect(rec.name).toBe('short.hostflow.test');
  });

  test('lists by exact name and type, with result_info', async () => {
    await cf.dns.records.create({ zone_id, type: 'A', name: 'a.hostflow.test', content: '203.0.113.1', ttl: 60 });
    await cf.dns.records.create({ zone_id, type: 'AAAA', name: 'a.hostflow.test', content: '2001:db8::1', ttl: 60 });
    await cf.dns.records.create({ zone_id, type: 'A', name: 'ab.hostflow.test', content: '203.0.113.2', ttl: 60 });
    const page = await cf.dns.records.list({ zone_id, name: { exact: 'a.hostflow.test' }, type: 'A' });
    expect(page.result.map((r) => [r.name, r.type])).toEqual([['a.hostflow.test', 'A']]);
    expect(page.result_info).toMatchObject({ page: 1, count: 1, total_count: 1 });
    const byContains = await cf.dns.records.list({ zone_id, name: { contains: 'a' }, per_page: 2 });
    expect(byContains.result).toHaveLength(2);
    expect(byContains.result_info).toMatchObject({ per_page: 2, total_count: 3, total_pages: 2 });
    const all: string[] = [];
    for await (const r of cf.dns.records.list({ zone_id, per_page: 2 })) all.push(r.content ?? '');
    expect(all.sort()).toEqual(['2001:db8::1', '203.0.113.1', '203.0.113.2']);
  });

  test('refuses an identical record with HTTP 400 code 81058', async () => {
    const params = { zone_id, type: 'A' as const, name: 'dup.hostflow.test', content: '203.0.113.9', ttl: 60 };
    await cf.dns.records.create(params);
    const err = await refusal(cf.dns.records.create(params));
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([expect.objectContaining({ code: 81058 })]);
    expect(sandbox.state().dns_records).toHaveLength(1);
  });

  test('patches, replaces and deletes a record; delete answers {result: {id}}', async () => {
    const rec = await cf.dns.records.create({ zone_id, type: 'A', name: 'mv.hostflow.test', content: '203.0.113.10', ttl: 60 });
    const patched = await cf.dns.records.edit(rec.id, { zone_id, type: 'A', name: 'mv.hostflow.test', content: '203.0.113.11', ttl: 300 });
    expect(patched).toMatchObject({ id: rec.id, content: '203.0.113.11', ttl: 300 });
    // PATCH is partial on the wire: fields left out keep their values.
    const partial = await raw(`${sandbox.cloudflareUrl}/zones/${zone_id}/dns_records/${rec.id}`, 'PATCH', { comment: 'moved' }, CLOUDFLARE_TOKEN);
    expect(partial.body.result).toMatchObject({ content: '203.0.113.11', ttl: 300, comment: 'moved' });
    const put = await cf.dns.records.update(rec.id, { zone_id, type: 'A', name: 'mv.hostflow.test', content: '203.0.113.12', ttl: 120 });
    expect(put).toMatchObject({ content: '203.0.113.12', ttl: 120 });
    expect(await cf.dns.records.delete(rec.id, { zone_id })).toEqual({ id: rec.id });
    const gone = await refusal(cf.dns.records.get(rec.id, { zone_id }));
    expect(gone.status).toBe(404);
    expect(gone.errors).toEqual([expect.objectContaining({ code: 81044 })]);
  });

  test('answers an unknown zone with Cloudflare\'s routing error', async () => {
    const err = await refusal(cf.dns.records.list({ zone_id: 'ffffffffffffffffffffffffffffffff' }));
    expect(err.status).toBe(400);
    expect(err.errors.map((e) => e.code)).toEqual([7003, 7000]);
  });

  test('answers 401 without a token, in the v4 envelope', async () => {
    const res = await raw(`${sandbox.cloudflareUrl}/zones/${zone_id}/dns_records`, 'GET', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
    const anon = new Cloudflare({ apiToken: 'x', baseURL: sandbox.cloudflareUrl, maxRetries: 0, defaultHeaders: { Authorization: '' } });
    const err = await refusal(anon.dns.records.list({ zone_id }));
    expect(err).toBeInstanceOf(Cloudflare.AuthenticationError);
  });

  test('answers 429 with retry-after past 1,200 requests per window', async () => {
    const limited = await testSandbox({ cloudflareRateLimit: { limit: 2, windowSeconds: 300 } });
    try {
      const c = new Cloudflare({ apiToken: CLOUDFLARE_TOKEN, baseURL: limited.cloudflareUrl, maxRetries: 0 });
      await c.dns.records.list({ zone_id });
      await c.dns.records.list({ zone_id });
      const err = await refusal(c.dns.records.list({ zone_id }));
      expect(err).toBeInstanceOf(Cloudflare.RateLimitError);
      expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(err.headers?.get('retry-after'))).toBeLessThanOrEqual(300);
      expect(err.errors).toEqual([expect.objectContaining({ code: 971 })]);
    } finally {
      await limited.close();
    }
  });

  test('refuses invalid content and a CNAME that collides with an A record', async () => {
    const bad = await refusal(cf.dns.records.create({ zone_id, type: 'A', name: 'x.hostflow.test', content: 'not-an-ip', ttl: 60 }));
    expect(bad.errors).toEqual([expect.objectContaining({ code: 9005 })]);
    await cf.dns.records.create({ zone_id, type: 'A', name: 'c.hostflow.test', content: '203.0.113.20', ttl: 60 });
    const clash = await refusal(cf.dns.records.create({ zone_id, type: 'CNAME', name: 'c.hostflow.test', content: 'other.hostflow.test', ttl: 60 }));
    expect(clash.errors).toEqual([expect.objectContaining({ code: 81053 })]);
  });
});
