// rebootServer on a server that is off (the drift sweep queues a reboot for a server found off):
// Hetzner's reboot is an ACPI request a powered-off server cannot answer, so it is powered on.
import type { Catalog } from '../../config/catalog';
import { HetznerClient } from '../../activities/hetzner-client';
import { createPowerActivities } from '../../activities/power';
import type { Sandbox } from '../../sandbox';
import type { InstanceSpec } from '../../workflows/domain';
import { HETZNER_TOKEN, raw, testSandbox, waitFor } from '../sandbox/helpers';

let sandbox: Sandbox;
let hetzner: HetznerClient;
beforeAll(async () => {
  sandbox = await testSandbox();
  hetzner = new HetznerClient({ token: HETZNER_TOKEN, url: sandbox.hetznerUrl });
});
afterAll(() => sandbox?.close());

const instance: InstanceSpec = { instanceId: 'reboot-off-1', customerId: '1', serviceId: '1', plan: 'starter', region: 'eu-helsinki', subdomain: 'reboot-off', sshKeys: [] };
// rebootServer never reads the catalog (only the resize check does).
const power = () => createPowerActivities({ hetzner, pollIntervalMs: 10, catalog: {} as Catalog });

async function server(name: string, startAfterCreate: boolean): Promise<number> {
  const created = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name, server_type: 'cx23', image: 'ubuntu-24.04', location: 'hel1', start_after_create: startAfterCreate });
  const id = created.body.server.id as number;
  const settled = startAfterCreate ? 'running' : 'off';
  await waitFor(async () => ((await hetzner.getServer(id))?.status === settled ? true : undefined), `server ${id} ${settled}`);
  return id;
}

describe('rebootServer', () => {
  it('powers on a server that is off instead of waiting for a reboot that cannot happen', async () => {
    const serverId = await server('reboot-off', false);
    expect(await power().rebootServer({ instance, serverId, softTimeoutMs: 1_000 })).toBe('powered on');
    expect((await hetzner.getServer(serverId))?.status).toBe('running');
  });

  it('still soft-reboots a running server', async () => {
    const serverId = await server('reboot-running', true);
    expect(await power().rebootServer({ instance, serverId, softTimeoutMs: 5_000 })).toBe('rebooted');
  });
});
