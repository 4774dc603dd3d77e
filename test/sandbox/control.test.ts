// /__sandbox/* control and inspection, and the state a test relies on to prove nothing leaked.

import type { Sandbox } from '../../sandbox';
import { hcloud, raw, testSandbox, waitFor } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

describe('sandbox control', () => {
  test('GET /__sandbox/state returns the same JSON as state(), with user data and request counts', async () => {
    const client = hcloud(sandbox);
    const { server } = await client.servers.build('st-1').serverType('cpx32').location('sin').image('ubuntu-24.04').labels({ a: 'b' }).userData('#cloud-config\n').create();
    // Wait for the boot to finish too, so no timer changes the state between the two reads.
    await waitFor(() => sandbox.state().servers[0]?.['cloud_init_done'] === true || undefined, 'booted');
    const res = await raw(`${sandbox.httpUrl}/__sandbox/state`, 'GET', undefined, null);
    expect(res.body).toEqual(sandbox.state());
    expect(res.body.servers[0]).toMatchObject({
      id: server.id, name: 'st-1', status: 'running', labels: { a: 'b' }, user_data: '#cloud-config\n',
      server_type: { name: 'cpx32' }, primary_disk_size: 160, datacenter: { name: 'sin-dc1' },
    });
    expect(res.body.actions.map((a: { command: string; status: string }) => [a.command, a.status])).toEqual([
      ['create_server', 'success'],
      ['start_server', 'success'],
    ]);
    expect(res.body.requests).toEqual({ 'POST /v1/servers': 1 });
  });

  test('POST /__sandbox/vm sets a mode per server, and answers 404 for an unknown server and 400 for a bad mode', async () => {
    const client = hcloud(sandbox);
    const { server } = await client.servers.build('vm-x').serverType('cpx22').image('ubuntu-24.04').create();
    expect((await raw(`${sandbox.httpUrl}/__sandbox/vm`, 'POST', { mode: 'twice', server_id: server.id, ignore_acpi: true }, null)).status).toBe(200);
    expect(sandbox.state().servers[0]).toMatchObject({ vm_mode: 'twice', ignore_acpi: true });
    expect((await raw(`${sandbox.httpUrl}/__sandbox/vm`, 'POST', { mode: 'twice', server_id: 99 }, null)).status).toBe(404);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/vm`, 'POST', { mode: 'sometimes' }, null)).status).toBe(400);
  });

  test('an unknown path outside the providers says where they live', async () => {
    const res = await raw(`${sandbox.httpUrl}/v2/servers`, 'GET', undefined, null);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatch(/\/v1/);
    const h = await raw(`${sandbox.hetznerUrl}/floating_ips`);
    expect(h.status).toBe(404);
    expect(h.body.error.code).toBe('not_found');
  });
});
