// What the drift sweep reads and what its tests do "behind Hostflow's back": Hetzner's server list
// (label_selector, page, per_page, meta.pagination, Link), Cloudflare's record list (comment/name/
// content/type filters, paging), changes made through the providers' own routes, and backdating.

import Cloudflare from 'cloudflare';
import type { Sandbox } from '../../sandbox';
import { CLOUDFLARE_TOKEN, raw, testSandbox, waitFor } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

const INSTANCE = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const OTHER = '7a6b5c4d-3e2f-4a1b-9c8d-0e1f2a3b4c5d';

async function createServer(name: string, labels: Record<string, string>): Promise<number> {
  const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name, server_type: 'cpx22', image: 'ubuntu-24.04', labels });
  expect(res.status).toBe(201);
  return res.body.server.id;
}

const records = () => `${sandbox.cloudflareUrl}/zones/${sandbox.cloudflareZoneId}/dns_records`;
const cf = (url: string, method = 'GET', body?: unknown) => raw(url, method, body, CLOUDFLARE_TOKEN);

async function createRecord(name: string, content: string, comment?: string): Promise<string> {
  const res = await cf(records(), 'POST', { type: 'A', name, content, ttl: 60, ...(comment ? { comment } : {}) });
  expect(res.status).toBe(200);
  return res.body.result.id;
}

describe('Hetzner GET /servers for the drift sweep', () => {
  test('label_selector picks Hostflow servers; page/per_page answer meta.pagination and a Link header', async () => {
    for (const n of [1, 2, 3]) await createServer(`hf-${n}`, { 'hostflow-managed': 'true', 'hostflow-instance': `${INSTANCE.slice(0, -1)}${n}` });
    await createServer('foreign', { team: 'ops' });
    const url = `${sandbox.hetznerUrl}/servers?label_selector=${encodeURIComponent('hostflow-managed=true')}&per_page=2`;
    const first = await raw(url);
    expect(first.body.servers.map((s: { name: string }) => s.name)).toEqual(['hf-1', 'hf-2']);
    expect(first.body.meta.pagination).toEqual({ page: 1, per_page: 2, previous_page: null, next_page: 2, last_page: 2, total_entries: 3 });
    const link = first.headers.get('link') ?? '';
    expect(link).toMatch(/<[^>]*page=2[^>]*>; rel="next"/);
    expect(link).toMatch(/<[^>]*page=2[^>]*>; rel="last"/);
    expect(link).toContain('label_selector=hostflow-managed%3Dtrue');
    expect(link).not.toContain('rel="prev"');

    const second = await raw(`${url}&page=2`);
    expect(second.body.servers.map((s: { name: string }) => s.name)).toEqual(['hf-3']);
    expect(second.body.meta.pagination).toMatchObject({ page: 2, previous_page: 1, next_page: null });
    expect(second.headers.get('link')).toMatch(/page=1[^>]*>; rel="prev"/);

    const one = await raw(`${sandbox.hetznerUrl}/servers?label_selector=${encodeURIComponent(`hostflow-instance=${INSTANCE.slice(0, -1)}2,hostflow-managed`)}`);
    expect(one.body.servers.map((s: { name: string }) => s.name)).toEqual(['hf-2']);
  });

  test.each([['per_page=51'], ['per_page=0'], ['page=0'], ['per_page=ten']])('refuses %s with 422 invalid_input', async (query) => {
    const res = await raw(`${sandbox.hetznerUrl}/servers?${query}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.details.fields[0].name).toBe(query.split('=')[0]);
  });

  test.each([['env=a b'], ['env in (a,b c)'], ["env='x'"], ['env=,'], ['bad key=1']])('refuses the selector %p as the API does', async (selector) => {
    const res = await raw(`${sandbox.hetznerUrl}/servers?label_selector=${encodeURIComponent(selector)}`);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^invalid label_selector: /) });
    expect(res.body.error.details.fields[0].name).toBe('label_selector');
  });
});

describe('Cloudflare GET dns_records for the drift sweep', () => {
  test('comment filters (case-insensitive) find Hostflow-marked records; present/absent; type and name', async () => {
    await createRecord('web-1', '203.0.113.10', `hostflow:instance=${INSTANCE}`);
    await createRecord('web-2', '203.0.113.11', `hostflow:instance=${OTHER}`);
    await createRecord('www', '203.0.113.12', 'Marketing site');
    await createRecord('bare', '203.0.113.13');
    await cf(records(), 'POST', { type: 'TXT', name: 'web-1', content: 'v=spf1 -all', comment: `hostflow:instance=${INSTANCE}` });

    const names = async (query: string) => (await cf(`${records()}?${query}`)).body.result.map((r: { name: string; type: string }) => `${r.type} ${r.name}`).sort();
    const marker = encodeURIComponent('hostflow:instance=');
    expect(await names(`comment.startswith=${marker}&type=A`)).toEqual(['A web-1.hostflow.test', 'A web-2.hostflow.test']);
    expect(await names(`comment.startswith=${marker.toUpperCase()}&type=A`)).toEqual(['A web-1.hostflow.test', 'A web-2.hostflow.test']);
    expect(await names(`comment.contains=${INSTANCE.toUpperCase()}`)).toEqual(['A web-1.hostflow.test', 'TXT web-1.hostflow.test']);
    expect(await names(`comment.exact=marketing%20site`)).toEqual(['A www.hostflow.test']);
    expect(await names('comment.absent=')).toEqual(['A bare.hostflow.test']);
    expect(await names('comment.present=&type=TXT')).toEqual(['TXT web-1.hostflow.test']);
    expect(await names(`name=WEB-1.hostflow.test&type=A`)).toEqual(['A web-1.hostflow.test']);
    expect(await names(`name.endswith=.hostflow.test&comment.endswith=${OTHER}`)).toEqual(['A web-2.hostflow.test']);
  });

  test('the cloudflare package sends comment.startswith and pages through result_info', async () => {
    for (let i = 1; i <= 5; i++) await createRecord(`box-${i}`, `203.0.113.${20 + i}`, `hostflow:instance=${INSTANCE.slice(0, -1)}${i}`);
    await createRecord('other', '203.0.113.40', 'someone else');
    const client = new Cloudflare({ apiToken: CLOUDFLARE_TOKEN, baseURL: sandbox.cloudflareUrl, maxRetries: 0 });
    const page = await client.dns.records.list({ zone_id: sandbox.cloudflareZoneId, comment: { startswith: 'hostflow:instance=' }, type: 'A', per_page: 2, page: 3 });
    expect(page.result).toHaveLength(1);
    const info = (await cf(`${records()}?comment.startswith=hostflow%3Ainstance%3D&per_page=2&page=3`)).body.result_info;
    expect(info).toEqual({ page: 3, per_page: 2, count: 1, total_count: 5, total_pages: 3 });
    const all = [];
    for await (const r of client.dns.records.list({ zone_id: sandbox.cloudflareZoneId, comment: { startswith: 'hostflow:instance=' }, per_page: 2 })) all.push(r.name);
    expect(all.sort()).toEqual([1, 2, 3, 4, 5].map((i) => `box-${i}.hostflow.test`));
  });
});

describe("changes behind Hostflow's back", () => {
  test('through the providers: delete, power off, re-point a record, an orphan server and record', async () => {
    const deleted = await createServer('hf-del', { 'hostflow-managed': 'true', 'hostflow-instance': INSTANCE });
    const stopped = await createServer('hf-off', { 'hostflow-managed': 'true', 'hostflow-instance': OTHER });
    await waitFor(() => sandbox.state().servers.every((s) => s['status'] === 'running') || undefined, 'running');
    expect((await raw(`${sandbox.hetznerUrl}/servers/${deleted}`, 'DELETE')).status).toBe(200);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${stopped}/actions/poweroff`, 'POST')).status).toBe(201);
    await waitFor(async () => (await raw(`${sandbox.hetznerUrl}/servers/${deleted}`)).status === 404 || undefined, 'deleted');
    await waitFor(async () => (await raw(`${sandbox.hetznerUrl}/servers/${stopped}`)).body.server.status === 'off' || undefined, 'off');

    const id = await createRecord('hf-off', '203.0.113.50', `hostflow:instance=${OTHER}`);
    const patched = await cf(`${records()}/${id}`, 'PATCH', { content: '198.51.100.7' });
    expect(patched.body.result).toMatchObject({ content: '198.51.100.7', comment: `hostflow:instance=${OTHER}` });

    const orphan = await createServer('hf-orphan', { 'hostflow-managed': 'true', 'hostflow-instance': '00000000-0000-4000-8000-000000000000' });
    const orphanRecord = await createRecord('ghost', '203.0.113.99', 'hostflow:instance=00000000-0000-4000-8000-000000000000');
    const listed = await raw(`${sandbox.hetznerUrl}/servers?label_selector=hostflow-managed%3Dtrue`);
    expect(listed.body.servers.map((s: { id: number }) => s.id)).toEqual([stopped, orphan]);
    expect(listed.body.servers[0].status).toBe('off');
    expect((await cf(`${records()}/${orphanRecord}`)).body.result.comment).toBe('hostflow:instance=00000000-0000-4000-8000-000000000000');
  });

  test("backdating an orphan's created time, which the providers cannot do", async () => {
    const orphan = await createServer('hf-old', { 'hostflow-managed': 'true', 'hostflow-instance': INSTANCE });
    const record = await createRecord('old', '203.0.113.77', `hostflow:instance=${INSTANCE}`);
    const longAgo = '2020-01-02T03:04:05.000Z';
    expect((await raw(`${sandbox.httpUrl}/__sandbox/servers/${orphan}/created`, 'POST', { created: longAgo }, null)).status).toBe(200);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/dns_records/${record}/created`, 'POST', { created_on: longAgo }, null)).status).toBe(200);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${orphan}`)).body.server.created).toBe(longAgo);
    expect((await cf(`${records()}/${record}`)).body.result.created_on).toBe(longAgo);

    expect((await raw(`${sandbox.httpUrl}/__sandbox/servers/42/created`, 'POST', { created: longAgo }, null)).status).toBe(404);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/dns_records/nope/created`, 'POST', { created_on: longAgo }, null)).status).toBe(404);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/servers/${orphan}/created`, 'POST', { created: 'yesterday' }, null)).status).toBe(400);
  });
});
