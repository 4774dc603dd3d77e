// The fake Hetzner API driven by hcloud-js, the client the activities use.

import type { Sandbox } from '../../sandbox';
import { FIXTURE_KEYS, type HcloudClient, hcloud, raw, testSandbox, waitFor, waitForAction } from '../sandbox/helpers';

let sandbox: Sandbox;
let client: HcloudClient;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
  client = hcloud(sandbox);
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

let seq = 0;
async function createServer(labels: Record<string, string> = {}, start = true) {
  const name = `web-${++seq}`;
  const created = await client.servers
    .build(name)
    .serverType('cpx22')
    .location('fsn1')
    .image('ubuntu-24.04')
    .labels(labels)
    .startAfterCreate(start)
    .userData('#cloud-config\nhostname: test\n')
    .create();
  return created as { server: { id: number; name: string; status: string }; action: { id: number } };
}

async function runningServer(labels: Record<string, string> = {}) {
  const { server } = await createServer(labels);
  await waitFor(async () => ((await client.servers.get(server.id)).status === 'running' ? true : undefined), 'running');
  await waitFor(async () => ((await client.servers.get(server.id)).locked ? undefined : true), 'unlocked');
  return server;
}

async function offServer() {
  const server = await runningServer();
  await waitForAction(client, (await client.servers.actions.powerOff(server.id)).id);
  return server;
}

async function apiError(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  return p.then(
    () => {
      throw new Error('expected the API to refuse');
    },
    (e: { code: string; message: string; details: unknown }) => e,
  );
}

describe('hcloud-js against the fake Hetzner API', () => {
  test('creates a server with labels and user data and returns server, action, next_actions and root_password', async () => {
    const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', {
      name: 'web-raw', server_type: 'cpx22', location: 'ash', image: 'ubuntu-24.04',
      labels: { instance: 'i-1', plan: 'starter' }, user_data: '#cloud-config\n', start_after_create: true,
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['action', 'next_actions', 'root_password', 'server']);
    expect(res.body.server).toMatchObject({
      name: 'web-raw', status: 'initializing', labels: { instance: 'i-1', plan: 'starter' }, private_net: [],
      server_type: { name: 'cpx22', cores: 2, memory: 4, disk: 80 },
      datacenter: { name: 'ash-dc1', location: { name: 'ash' } }, location: { name: 'ash' },
      image: { name: 'ubuntu-24.04', type: 'system' }, primary_disk_size: 80,
    });
    expect(res.body.server.public_net.ipv4.ip).toMatch(/^203\.0\.113\.\d+$/);
    expect(res.body.server.public_net.ipv6.ip).toMatch(/^2001:db8:[0-9a-f]+::\/64$/);
    expect(res.body.action).toMatchObject({ command: 'create_server', status: 'running', progress: 0, finished: null, resources: [{ id: res.body.server.id, type: 'server' }] });
    expect(res.body.next_actions).toEqual([expect.objectContaining({ command: 'start_server', status: 'running' })]);
    expect(typeof res.body.root_password).toBe('string');
  });

  test('hcloud-js reads a created server completely and the server goes initializing → starting → running', async () => {
    const { server, action } = await createServer({ role: 'gateway' });
    expect(server).toMatchObject({ status: 'initializing', labels: { role: 'gateway' } });
    const seen = new Set<string>();
    await waitFor(async () => {
      const s = await client.servers.get(server.id);
      seen.add(s.status);
      return s.status === 'running' ? s : undefined;
    }, 'running');
    expect([...seen].every((s) => ['initializing', 'starting', 'running'].includes(s))).toBe(true);
    const done = await waitForAction(client, action.id);
    expect(done).toMatchObject({ status: 'success', progress: 100 });
    expect((done as unknown as { finished: Date }).finished.getTime()).toBeGreaterThan(0);
    const listed = await client.servers.actions.list(server.id);
    expect(listed.actions.map((a: { command: string }) => a.command).sort()).toEqual(['create_server', 'start_server']);
  });

  test('lists by name and by every label selector form', async () => {
    const a = await createServer({ env: 'prod', tier: 'a' });
    const b = await createServer({ env: 'dev', tier: 'b' });
    const c = await createServer({ tier: 'c' });
    const ids = async (params: Record<string, unknown>) =>
      (await client.servers.list(params)).servers.map((s: { id: number }) => s.id).sort();
    expect(await ids({ name: a.server.name })).toEqual([a.server.id]);
    expect(await ids({ labelSelector: 'env=prod' })).toEqual([a.server.id]);
    expect(await ids({ labelSelector: 'env==dev' })).toEqual([b.server.id]);
    expect(await ids({ labelSelector: 'env!=prod' })).toEqual([b.server.id, c.server.id]);
    expect(await ids({ labelSelector: 'env' })).toEqual([a.server.id, b.server.id]);
    expect(await ids({ labelSelector: '!env' })).toEqual([c.server.id]);
    expect(await ids({ labelSelector: 'tier in (a,c)' })).toEqual([a.server.id, c.server.id]);
    expect(await ids({ labelSelector: 'tier notin (a,c)' })).toEqual([b.server.id]);
    expect(await ids({ labelSelector: 'env,tier in (b)' })).toEqual([b.server.id]);
    const bad = await raw(`${sandbox.hetznerUrl}/servers?label_selector=${encodeURIComponent('tier in (a')}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_input');
  });

  test('paginates with page, per_page and meta.pagination', async () => {
    for (let i = 0; i < 5; i++) await createServer({ batch: 'p' });
    const first = await client.servers.list({ labelSelector: 'batch=p', perPage: 2 });
    expect(first.servers).toHaveLength(2);
    expect(first).toMatchObject({ page: 1, perPage: 2, nextPage: 2, lastPage: 3, totalEntries: 5 });
    const last = await first.last();
    expect(last.servers).toHaveLength(1);
    expect(last.nextPage).toBeNull();
    const tooMany = await raw(`${sandbox.hetznerUrl}/servers?per_page=51`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.code).toBe('invalid_input');
  });

  test('refuses a second server with the same name with 409 uniqueness_error', async () => {
    const { server } = await createServer();
    const body = { name: server.name, server_type: 'cpx22', image: 'ubuntu-24.04' };
    const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', body);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'uniqueness_error' });
    const err = await apiError(client.servers.build(server.name).serverType('cpx22').image('ubuntu-24.04').create());
    expect(err.code).toBe('uniqueness_error');
  });

  test('refuses user data over 32 KiB and names that are not hostnames with invalid_input', async () => {
    const big = `#cloud-config\n# ${'x'.repeat(32 * 1024)}`;
    const err = await apiError(client.servers.build('big-1').serverType('cpx22').image('ubuntu-24.04').userData(big).create());
    expect(err.code).toBe('invalid_input');
    expect(err.details).toEqual({ fields: [{ name: 'user_data', messages: [expect.any(String)] }] });
    const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name: 'not_a_host!', server_type: 'cpx22', image: 'ubuntu-24.04' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_input');
    expect(sandbox.state().servers).toHaveLength(0);
  });

  test('answers 401 unauthorized in Hetzner\'s envelope without a bearer token', async () => {
    const res = await raw(`${sandbox.hetznerUrl}/servers`, 'GET', undefined, null);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), details: null } });
    const err = await apiError(hcloud(sandbox, '').servers.list());
    expect(err.code).toBe('unauthorized');
  });

  test('answers 423 locked to a second action while one runs', async () => {
    const slow = await testSandbox({ actionDurationMs: 400, vmMode: 'never' });
    try {
      const c = hcloud(slow);
      const { server } = await c.servers.build('locked-1').serverType('cpx22').image('ubuntu-24.04').create();
      const err = await apiError(c.servers.actions.powerOff(server.id));
      expect(err.code).toBe('locked');
      const res = await raw(`${slow.hetznerUrl}/servers/${server.id}/actions/reboot`, 'POST');
      expect(res.status).toBe(423);
    } finally {
      await slow.close();
    }
  });

  test('refuses change_type on a running server with server_not_stopped', async () => {
    const server = await runningServer();
    const err = await apiError(client.servers.actions.changeType(server.id, 'cpx32', true));
    expect(err.code).toBe('server_not_stopped');
  });

  test('a server whose disk was upgraded can never change to a type with a smaller disk', async () => {
    const server = await offServer();
    const up = await client.servers.actions.changeType(server.id, 'cpx32', true);
    expect(await waitForAction(client, up.id)).toMatchObject({ status: 'success' });
    expect(await client.servers.get(server.id)).toMatchObject({ status: 'off', serverType: { name: 'cpx32', disk: 160 } });
    const err = await apiError(client.servers.actions.changeType(server.id, 'cpx22', false));
    expect(err.code).toBe('invalid_server_type');
    expect(sandbox.state().servers[0]).toMatchObject({ primary_disk_size: 160 });
  });

  test('a server resized without upgrade_disk keeps its disk and can go back down', async () => {
    const server = await offServer();
    await waitForAction(client, (await client.servers.actions.changeType(server.id, 'cpx42', false)).id);
    expect(sandbox.state().servers[0]).toMatchObject({ server_type: { name: 'cpx42' }, primary_disk_size: 80 });
    const down = await client.servers.actions.changeType(server.id, 'cpx22', false);
    expect(await waitForAction(client, down.id)).toMatchObject({ status: 'success' });
  });

  test('shutdown is an ACPI request: the server goes off a little later, or never if the guest ignores it', async () => {
    const obeys = await runningServer();
    const action = await client.servers.actions.shutdown(obeys.id);
    expect(action.command).toBe('shutdown_server');
    await waitFor(async () => ((await client.servers.get(obeys.id)).status === 'off' ? true : undefined), 'off');

    const ignores = await runningServer();
    sandbox.setIgnoreAcpi(true, ignores.id);
    await waitForAction(client, (await client.servers.actions.shutdown(ignores.id)).id);
    await new Promise((r) => setTimeout(r, 100));
    expect((await client.servers.get(ignores.id)).status).toBe('running');
    await waitForAction(client, (await client.servers.actions.powerOff(ignores.id)).id);
    expect((await client.servers.get(ignores.id)).status).toBe('off');
  });

  test('poweron, reboot and reset keep a running server running', async () => {
    const server = await offServer();
    await waitForAction(client, (await client.servers.actions.powerOn(server.id)).id);
    expect((await client.servers.get(server.id)).status).toBe('running');
    await waitForAction(client, (await client.servers.actions.reboot(server.id)).id);
    await waitForAction(client, (await client.servers.actions.reset(server.id)).id);
    expect((await client.servers.get(server.id)).status).toBe('running');
  });

  test('create_image makes a snapshot that becomes available', async () => {
    const server = await runningServer();
    const { image, action } = await client.servers.actions.createImage(server.id, 'snapshot', 'before resize');
    expect(image).toMatchObject({ type: 'snapshot', status: 'creating', description: 'before resize', createdFrom: { id: server.id } });
    expect(await waitForAction(client, action.id)).toMatchObject({ status: 'success', resources: expect.arrayContaining([{ id: image.id, type: 'image' }]) });
    expect(sandbox.state().images).toEqual([expect.objectContaining({ id: image.id, status: 'available' })]);
  });

  test('delete returns an action, then get answers 404 not_found', async () => {
    const server = await runningServer();
    const action = await client.servers.delete(server.id);
    expect(action.command).toBe('delete_server');
    await waitForAction(client, action.id);
    const err = await apiError(client.servers.get(server.id));
    expect(err.code).toBe('not_found');
    const res = await raw(`${sandbox.hetznerUrl}/servers/${server.id}`);
    expect(res.status).toBe(404);
  });

  test('sends RateLimit headers on every answer, and 429 rate_limit_exceeded past the budget', async () => {
    const limited = await testSandbox({ hetznerRateLimit: { limit: 3, refillPerSecond: 0.001 } });
    try {
      const c = hcloud(limited);
      await c.servers.list();
      expect(c.ratelimit).toMatchObject({ limit: 3, remaining: 2 });
      expect(c.ratelimit?.reset.getTime()).toBeGreaterThan(Date.now());
      const second = await raw(`${limited.hetznerUrl}/servers`);
      expect(second.headers.get('ratelimit-remaining')).toBe('1');
      const unauth = await raw(`${limited.hetznerUrl}/servers`, 'GET', undefined, null);
      expect(unauth.status).toBe(401);
      expect(unauth.headers.get('ratelimit-remaining')).toBe('0');
      const over = await raw(`${limited.hetznerUrl}/servers`);
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe('rate_limit_exceeded');
      expect(over.headers.get('ratelimit-limit')).toBe('3');
      expect(over.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(over.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect((await apiError(c.servers.list())).code).toBe('rate_limit_exceeded');
    } finally {
      await limited.close();
    }
  });

  test('waits on actions the way hcloud-go does: GET /actions?id=..&sort=status', async () => {
    const a = await createServer();
    const b = await createServer();
    const res = await raw(`${sandbox.hetznerUrl}/actions?id=${a.action.id}&id=${b.action.id}&sort=status&sort=id`);
    expect(res.status).toBe(200);
    expect(res.body.actions.map((x: { id: number }) => x.id).sort()).toEqual([a.action.id, b.action.id].sort());
    expect(res.body.meta.pagination).toMatchObject({ page: 1, total_entries: 2 });
  });

  // hcloud-js 1.4.1 covers ssh keys (without labels), rebuild, reset_password and backups; it has
  // no firewalls and no rebuild user_data, so those go through plain fetch (test/sandbox/firewalls.test.ts).
  test('ssh keys: create, list by fingerprint, get and delete through hcloud-js; a server created with the key id', async () => {
    const { sshKeys } = client;
    const key = await sshKeys.create('alice', FIXTURE_KEYS.ed25519.line);
    expect(key).toMatchObject({ name: 'alice', fingerprint: FIXTURE_KEYS.ed25519.md5, publicKey: FIXTURE_KEYS.ed25519.line });
    const listed = await sshKeys.list({ fingerprint: FIXTURE_KEYS.ed25519.md5 });
    expect(listed.sshKeys.map((k: { id: number }) => k.id)).toEqual([key.id]);
    expect((await apiError(sshKeys.create('alice-again', FIXTURE_KEYS.ed25519.line))).code).toBe('uniqueness_error');
    expect((await apiError(sshKeys.create('broken', 'ssh-ed25519 AAAA'))).code).toBe('invalid_input');

    const created = await client.servers.build('keyed-1').serverType('cpx22').image('ubuntu-24.04').sshKey(key.id).create();
    expect(sandbox.state().servers[0]).toMatchObject({ id: created.server.id, ssh_key_ids: [key.id], root_password: null });
    const refused = await apiError(client.servers.build('keyed-2').serverType('cpx22').image('ubuntu-24.04').sshKey(424242).create());
    expect(refused.code).toBe('invalid_input');

    await sshKeys.delete(key.id);
    expect((await apiError(sshKeys.get(key.id))).code).toBe('not_found');
  });

  test('rebuild, reset_password, enable_backup and disable_backup through hcloud-js', async () => {
    const server = await runningServer();
    const rebuilt = await client.servers.actions.rebuild(server.id, 'debian-12');
    expect(rebuilt).toMatchObject({ rootPassword: expect.any(String), action: { command: 'rebuild_server' } });
    expect(await waitForAction(client, rebuilt.action.id)).toMatchObject({ status: 'success' });
    expect(await client.servers.get(server.id)).toMatchObject({ status: 'running', image: { name: 'debian-12' } });

    const reset = await client.servers.actions.resetPassword(server.id);
    expect(reset).toMatchObject({ rootPassword: expect.any(String), action: { command: 'reset_password' } });
    await waitForAction(client, reset.action.id);
    expect(sandbox.state().servers[0]?.['root_password']).toMatchObject({ value: reset.rootPassword, via: 'reset_password' });

    await waitForAction(client, (await client.servers.actions.enableBackup(server.id)).id);
    expect((await client.servers.get(server.id)).backupWindow).toBe('22-02');
    await waitForAction(client, (await client.servers.actions.disableBackup(server.id)).id);
    expect((await client.servers.get(server.id)).backupWindow).toBeNull();
  });

  test('a rebuilding server is locked and shows status rebuilding', async () => {
    const slow = await testSandbox({ actionDurationMs: 300, vmMode: 'never' });
    try {
      const c = hcloud(slow);
      const { server, action } = await c.servers.build('rb-1').serverType('cpx22').image('ubuntu-24.04').create();
      await waitForAction(c, action.id);
      await waitFor(async () => ((await c.servers.get(server.id)).locked ? undefined : true), 'started');
      const rebuilt = await c.servers.actions.rebuild(server.id, 'ubuntu-22.04');
      expect(await c.servers.get(server.id)).toMatchObject({ status: 'rebuilding', locked: true });
      expect((await apiError(c.servers.actions.reboot(server.id))).code).toBe('locked');
      await waitForAction(c, rebuilt.action.id);
    } finally {
      await slow.close();
    }
  });
});
