// The guests' gateway health endpoints: answers by power state, boot and health mode, the
// per-server check counts, the control route, and a held (timeout) check across close().

import { fleetEnvShape } from '../../config/fleet';
import { type Sandbox, sandboxHealthUrlTemplate } from '../../sandbox';
import { hcloud, raw, testSandbox, waitFor, waitForAction } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

type Server = { id: number; ip: string };

async function bootedServer(name: string): Promise<Server> {
  const { server } = await hcloud(sandbox).servers.build(name).serverType('cpx22').image('ubuntu-24.04').create();
  await waitFor(() => sandbox.state().servers.find((s) => s['id'] === server.id)?.['guest_up'] === true || undefined, `${name} booted`);
  return { id: server.id, ip: server.publicNet.ipv4.ip };
}

function healthUrl(server: Server): string {
  return sandbox.healthUrlTemplate.replace('{ip}', server.ip);
}

async function check(url: string): Promise<number> {
  return (await raw(url, 'GET', undefined, null)).status;
}

const control = (body: unknown) => raw(`${sandbox.httpUrl}/__sandbox/health`, 'POST', body, null);

describe('gateway health endpoint', () => {
  test('a running, booted server answers 200 JSON; the check is counted for that server only', async () => {
    const a = await bootedServer('health-a');
    const b = await bootedServer('health-b');
    const res = await raw(healthUrl(a), 'GET', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', server_id: a.id });
    // Keyed by id as well as by address.
    expect(await check(`${sandbox.httpUrl}/vm/${a.id}/healthz`)).toBe(200);
    expect(sandbox.state().health_checks).toEqual({ [String(a.id)]: 2 });
    expect(sandbox.state().health_checks[String(b.id)]).toBeUndefined();
  });

  test('failing and flapping modes per server; the default applies to servers without their own', async () => {
    const a = await bootedServer('health-fail');
    const b = await bootedServer('health-flap');
    expect((await control({ mode: 'failing', server_id: a.id })).status).toBe(200);
    expect(await check(healthUrl(a))).toBe(503);
    expect(await check(healthUrl(b))).toBe(200);

    expect((await control({ mode: 'flapping', server_id: b.id })).status).toBe(200);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await check(healthUrl(b)));
    expect(answers).toEqual([503, 200, 503, 200]);

    const c = await bootedServer('health-default');
    expect((await control({ mode: 'failing' })).status).toBe(200);
    expect(await check(healthUrl(c))).toBe(503);
    expect(sandbox.state().servers.find((s) => s['id'] === c.id)?.['health_mode']).toBeNull();
  });

  test('a server powered off, deleted, or still booting fails its check', async () => {
    const off = await bootedServer('health-off');
    const client = hcloud(sandbox);
    const powerOff = await raw(`${sandbox.hetznerUrl}/servers/${off.id}/actions/poweroff`, 'POST');
    await waitForAction(client, powerOff.body.action.id);
    const res = await raw(healthUrl(off), 'GET', undefined, null);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/off/);

    const gone = await bootedServer('health-gone');
    await client.servers.delete(gone.id);
    await waitFor(() => !sandbox.state().servers.some((s) => s['id'] === gone.id) || undefined, 'deleted');
    expect(await check(healthUrl(gone))).toBe(503);
    // No server holds the address any more: counted under the address.
    expect(sandbox.state().health_checks[gone.ip]).toBe(1);

    const slow = await testSandbox({ vmMode: 'never', bootDelayMs: 60_000 });
    try {
      const { server } = await hcloud(slow).servers.build('health-booting').serverType('cpx22').image('ubuntu-24.04').create();
      await waitFor(() => slow.state().servers[0]?.['status'] === 'running' || undefined, 'running');
      const booting = await raw(slow.healthUrlTemplate.replace('{ip}', server.publicNet.ipv4.ip), 'GET', undefined, null);
      expect(booting.status).toBe(503);
      expect(booting.body.error).toMatch(/booting/);
    } finally {
      await slow.close();
    }
  });

  test('timeout mode holds the check until the client gives up, and close() still ends cleanly', async () => {
    const own = await testSandbox({ vmMode: 'never', healthMode: 'timeout' });
    const { server } = await hcloud(own).servers.build('health-hang').serverType('cpx22').image('ubuntu-24.04').create();
    await waitFor(() => own.state().servers[0]?.['guest_up'] === true || undefined, 'booted');
    const url = own.healthUrlTemplate.replace('{ip}', server.publicNet.ipv4.ip);

    await expect(fetch(url, { signal: AbortSignal.timeout(100) })).rejects.toThrow(/aborted|timeout/i);
    // A check nobody aborts is cut by close(), which must not wait for it.
    const held = fetch(url);
    await waitFor(() => own.state().health_checks[String(server.id)] === 2 || undefined, 'second check arrived');
    await own.close();
    await expect(held).rejects.toThrow();
  });

  test('the control route refuses a bad mode (400) and an unknown server (404); reset restores the default', async () => {
    expect((await control({ mode: 'sometimes' })).status).toBe(400);
    expect((await control({ mode: 'failing', server_id: 42 })).status).toBe(404);
    await control({ mode: 'failing' });
    const a = await bootedServer('health-reset');
    expect(await check(healthUrl(a))).toBe(503);
    sandbox.reset();
    const b = await bootedServer('health-after-reset');
    expect(await check(healthUrl(b))).toBe(200);
    expect(sandbox.state().health_checks).toEqual({ [String(b.id)]: 1 });
  });

  test('the URL template is HEALTH_URL_TEMPLATE-valid and points at the sandbox', () => {
    expect(sandboxHealthUrlTemplate('http://127.0.0.1:4010/')).toBe('http://127.0.0.1:4010/vm/{ip}/healthz');
    expect(sandbox.healthUrlTemplate).toBe(sandboxHealthUrlTemplate(sandbox.httpUrl));
    expect(fleetEnvShape.HEALTH_URL_TEMPLATE.safeParse(sandbox.healthUrlTemplate).success).toBe(true);
  });
});
