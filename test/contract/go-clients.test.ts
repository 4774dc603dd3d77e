// The providers' own Go clients (hcloud-go v2.52.0, cloudflare-go v6.10.0) run a script against a
// fresh sandbox; their view must agree with /__sandbox/state.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Sandbox } from '../../sandbox';
import { testSandbox } from '../sandbox/helpers';

const run = promisify(execFile);
const GO_DIR = join(__dirname, 'go');
const BUILD_TIMEOUT_MS = 5 * 60_000;

interface GoView {
  servers: Array<{ id: number; name: string; status: string; server_type: string; primary_disk_size: number; labels: Record<string, string>; ipv4: string; location: string }>;
  images: Array<{ id: number; status: string; description: string; created_from: number }>;
  dns_records: Array<{ id: string; name: string; type: string; content: string; ttl: number }>;
  deleted_server_id: number;
  deleted_record_id: string;
  ssh_keys: Array<{ id: number; name: string; fingerprint: string; labels: Record<string, string> }>;
  firewalls: Array<{ id: number; name: string; rules: number; applied_to: number[] }>;
  day2_server: { id: number; image: string; backup_window: string; firewalls: number[] };
  steps: string[];
}

let dir: string;
let binary: string;
let sandbox: Sandbox;

beforeAll(async () => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error('The Go toolchain is required for the client-library contract check (every Hostflow machine has it): `go version` failed');
  }
  dir = mkdtempSync(join(tmpdir(), 'hostflow-contract-'));
  binary = join(dir, 'contract');
  // -mod=mod: the first run may download the pinned modules through the Go proxy.
  await run('go', ['build', '-o', binary, '.'], {
    cwd: GO_DIR,
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    timeout: BUILD_TIMEOUT_MS,
  });
  sandbox = await testSandbox({ vmMode: 'never' });
}, BUILD_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('hcloud-go and cloudflare-go run the lifecycle script and see what /__sandbox/state holds', async () => {
  let stdout: string;
  try {
    ({ stdout } = await run(binary, [
      '-hetzner-url', sandbox.hetznerUrl,
      '-cloudflare-url', sandbox.cloudflareUrl,
      '-zone-id', sandbox.cloudflareZoneId,
      '-zone-name', sandbox.cloudflareZoneName,
    ], { timeout: 60_000 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`the Go contract program reported a mismatch:\n${err.stderr ?? err.message}`);
  }
  const view = JSON.parse(stdout) as GoView;
  const state = sandbox.state();

  expect(view.steps).toHaveLength(25);
  // The day-two server is listed separately (day2_server) below.
  expect(view.servers).toEqual(
    state.servers.filter((s) => s['id'] !== view.day2_server.id).map((s) => ({
      id: s['id'],
      name: s['name'],
      status: s['status'],
      server_type: (s['server_type'] as { name: string }).name,
      primary_disk_size: s['primary_disk_size'],
      labels: s['labels'],
      ipv4: (s['public_net'] as { ipv4: { ip: string } }).ipv4.ip,
      location: (s['location'] as { name: string }).name,
    })),
  );
  expect(view.servers).toEqual([expect.objectContaining({ name: 'go-contract-2', status: 'off', server_type: 'cpx42' })]);
  expect(state.servers.some((s) => s['id'] === view.deleted_server_id)).toBe(false);

  expect(view.images).toEqual(
    state.images.map((i) => ({ id: i['id'], status: i['status'], description: i['description'], created_from: (i['created_from'] as { id: number }).id })),
  );
  expect(view.images[0]).toMatchObject({ status: 'available', created_from: view.deleted_server_id });

  expect(view.dns_records).toEqual(
    state.dns_records.map((r) => ({ id: r['id'], name: r['name'], type: r['type'], content: r['content'], ttl: r['ttl'] })),
  );
  expect(state.dns_records.some((r) => r['id'] === view.deleted_record_id)).toBe(false);

  expect(view.ssh_keys).toEqual(
    state.ssh_keys.map((k) => ({ id: k['id'], name: k['name'], fingerprint: k['fingerprint'], labels: k['labels'] })),
  );
  expect(view.ssh_keys).toEqual([expect.objectContaining({ name: 'go-contract-ed25519', fingerprint: 'b3:74:ec:e5:19:31:d3:f6:3c:d5:e7:59:9f:cf:0d:4f' })]);
  expect(view.firewalls).toEqual(
    state.firewalls.map((f) => ({
      id: f['id'], name: f['name'], rules: (f['rules'] as unknown[]).length,
      applied_to: (f['applied_to'] as Array<{ server: { id: number } }>).map((a) => a.server.id),
    })),
  );
  expect(view.firewalls).toEqual([{ id: expect.any(Number), name: 'go-contract-fw', rules: 3, applied_to: [view.day2_server.id] }]);
  const day2 = state.servers.find((s) => s['id'] === view.day2_server.id);
  expect(day2).toMatchObject({
    image: { name: 'ubuntu-22.04' }, backup_window: null, user_data: '#cloud-config\nhostname: rebuilt\n',
    root_password: { via: 'reset_password' }, public_net: { firewalls: [{ id: view.firewalls[0]?.id, status: 'applied' }] },
  });
  expect(day2?.['ssh_key_ids']).toHaveLength(2);
  expect(view.day2_server).toEqual({ id: day2?.['id'], image: 'ubuntu-22.04', backup_window: '', firewalls: [view.firewalls[0]?.id] });

  expect(state.requests).toMatchObject({
    'POST /v1/servers': 5,
    'POST /v1/ssh_keys': 4,
    'DELETE /v1/ssh_keys/:id': 1,
    'POST /v1/firewalls': 2,
    'DELETE /v1/firewalls/:id': 2,
    'POST /v1/firewalls/:id/actions/apply_to_resources': 2,
    'POST /v1/firewalls/:id/actions/remove_from_resources': 1,
    'POST /v1/firewalls/:id/actions/set_rules': 1,
    'POST /v1/servers/:id/actions/rebuild': 2,
    'POST /v1/servers/:id/actions/reset_password': 1,
    'POST /v1/servers/:id/actions/enable_backup': 1,
    'POST /v1/servers/:id/actions/disable_backup': 1,
    'POST /v1/servers/:id/actions/change_type': 3,
    'POST /v1/servers/:id/actions/shutdown': 1,
    'POST /v1/servers/:id/actions/create_image': 1,
    'DELETE /v1/servers/:id': 1,
    'POST /client/v4/zones/:zone_id/dns_records': 3,
    'DELETE /client/v4/zones/:zone_id/dns_records/:id': 1,
  });
  expect(state.requests['GET /v1/actions']).toBeGreaterThan(0);
});
