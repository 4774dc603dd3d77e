// Issue 15's provider activities against the sandbox: SSH keys, the per-instance firewall, the
// location fallback and backups. Each runs twice, and under "commit then drop" (the provider
// acted, the answer was lost), and still leaves exactly one resource.
import { createActivities, type Activities } from '../../activities';
import type { InstanceSpec } from '../../workflows/domain';
import { buildActivityDeps } from '../../workers/activity-deps';
import { ed25519KeyLine, FIXTURE_KEYS } from '../sandbox/helpers';
import { startStack, type Stack } from '../support/stack';
import { serversOf } from '../support/world';

let stack: Stack;
let activities: Activities;
beforeAll(async () => {
  stack = await startStack({ worker: false, sandbox: { vmMode: 'never' } });
  activities = createActivities(buildActivityDeps(stack.config, stack.database.db, { pollIntervalMs: 10 }));
});
afterEach(() => stack.sandbox.reset());
afterAll(() => stack?.close());

let n = 0;
const instance = (over: Partial<InstanceSpec> = {}): InstanceSpec => {
  const id = `vps-${++n}-${Date.now()}`;
  return { instanceId: id, customerId: `c${n}`, serviceId: String(n), plan: 'starter', region: 'eu-frankfurt', subdomain: id, sshKeys: [], ...over };
};

/** What Temporal does with a retryable failure: run the same activity again, a little later. */
async function withRetries<T>(fn: () => Promise<T>, attempts = 8): Promise<{ value: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  for (;;) {
    try {
      return { value: await fn(), failures };
    } catch (error) {
      failures.push(error);
      if ((error as { nonRetryable?: boolean }).nonRetryable || failures.length >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 30)); // Temporal's back-off, shortened
    }
  }
}

type Key = { id: number; fingerprint: string; labels: Record<string, string> };
type Firewall = { id: number; labels: Record<string, string>; rules: { port: string; source_ips: string[] }[]; applied_to: unknown[] };
const keys = () => stack.sandbox.state().ssh_keys as unknown as Key[];
const firewalls = () => stack.sandbox.state().firewalls as unknown as Firewall[];
const serverState = (id: number) => (stack.sandbox.state().servers as unknown as { id: number; ssh_key_ids: number[]; location: { name: string }; public_net: { firewalls: { id: number }[] } }[]).find((s) => s.id === id)!;

describe('ensureSshKeys / deleteUnusedSshKeys', () => {
  it('stores each key once, by fingerprint, in order; twice and under a lost answer, still once', async () => {
    const spec = instance({ sshKeys: [FIXTURE_KEYS.ed25519.line, FIXTURE_KEYS.rsa.line] });
    stack.sandbox.setFaults([{ route: 'POST /v1/ssh_keys', commitThenDrop: { count: 1 } }]);
    const { value, failures } = await withRetries(() => activities.ensureSshKeys({ instance: spec }));
    expect(failures).toHaveLength(1);
    expect(value.fingerprints).toEqual([FIXTURE_KEYS.ed25519.md5, FIXTURE_KEYS.rsa.md5]);
    expect(await activities.ensureSshKeys({ instance: spec })).toEqual(value);
    expect(keys().map((k) => k.id).sort()).toEqual([...value.sshKeyIds].sort());
    expect(keys()[0]!.labels).toEqual({ 'hostflow-customer': spec.customerId, 'hostflow-managed': 'true' });
  });

  it("a second instance of the customer reuses the keys; they go with the customer's last server", async () => {
    const line = ed25519KeyLine();
    const a = instance({ sshKeys: [line] });
    const b = { ...instance({ sshKeys: [line] }), customerId: a.customerId };
    const ka = await activities.ensureSshKeys({ instance: a });
    const kb = await activities.ensureSshKeys({ instance: b });
    expect(kb.sshKeyIds).toEqual(ka.sshKeyIds);
    const sa = await activities.createServer({ instance: a, sshKeyIds: ka.sshKeyIds });
    const sb = await activities.createServer({ instance: b, sshKeyIds: kb.sshKeyIds });
    expect(serverState(sa.serverId!).ssh_key_ids).toEqual(ka.sshKeyIds);

    await activities.deleteServer({ instance: a, serverId: sa.serverId });
    expect(await activities.deleteUnusedSshKeys({ instance: a })).toEqual({ deleted: [] });
    await activities.deleteServer({ instance: b, serverId: sb.serverId });
    expect(await activities.deleteUnusedSshKeys({ instance: b })).toEqual({ deleted: ka.sshKeyIds });
    expect(await activities.deleteUnusedSshKeys({ instance: b })).toEqual({ deleted: [] });
    expect(keys()).toEqual([]);
  });

  it('refuses, for good, a key line that is not a key', async () => {
    await expect(activities.ensureSshKeys({ instance: instance({ sshKeys: ['ssh-ed25519 AAAA'] }) })).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });
});

describe('ensureFirewall / deleteFirewall', () => {
  it('one firewall per instance with SSH, HTTP and HTTPS only; a lost answer still makes one', async () => {
    const spec = instance();
    stack.sandbox.setFaults([{ route: 'POST /v1/firewalls', commitThenDrop: { count: 1 } }]);
    const { value, failures } = await withRetries(() => activities.ensureFirewall({ instance: spec }));
    expect(failures).toHaveLength(1);
    expect(await activities.ensureFirewall({ instance: spec })).toEqual(value);
    const [firewall, ...others] = firewalls();
    expect(others).toEqual([]);
    expect(firewall!.id).toBe(value.firewallId);
    expect(firewall!.labels['hostflow-instance']).toBe(spec.instanceId);
    expect(firewall!.rules.map((r) => [r.port, r.source_ips])).toEqual([
      ['22', stack.config.catalog.sshAllowedCidrs],
      ['80', ['0.0.0.0/0', '::/0']],
      ['443', ['0.0.0.0/0', '::/0']],
    ]);
  });

  it('is applied at create, and deleted with the instance (detached first while a server still has it)', async () => {
    const spec = instance();
    const { firewallId } = await activities.ensureFirewall({ instance: spec });
    const server = await activities.createServer({ instance: spec, firewallIds: [firewallId] });
    await activities.waitForServerRunning({ instance: spec, serverId: server.serverId!, createActionId: server.createActionId });
    expect(serverState(server.serverId!).public_net.firewalls.map((f) => f.id)).toEqual([firewallId]);
    expect(await activities.deleteFirewall({ instance: spec })).toEqual({ deleted: [firewallId] });
    expect(await activities.deleteFirewall({ instance: spec })).toEqual({ deleted: [] });
    expect(firewalls()).toEqual([]);
  });
});

describe('createServer', () => {
  it('falls back to the next location of the region when the first has no capacity, and says so', async () => {
    const spec = instance({ region: 'eu-frankfurt' });
    stack.sandbox.setLocationUnavailable('fsn1', true);
    const created = await activities.createServer({ instance: spec });
    expect(created).toMatchObject({ location: 'nbg1', fellBackFrom: 'fsn1' });
    // A retry (the answer lost) finds the same server and still reports the fallback.
    expect(await activities.createServer({ instance: spec })).toMatchObject({ serverId: created.serverId, location: 'nbg1', fellBackFrom: 'fsn1' });
    expect(serversOf(stack.sandbox, spec.instanceId)).toHaveLength(1);
  });

  it('fails for good, naming the locations tried, when the region has no fallback left', async () => {
    stack.sandbox.setLocationUnavailable('sin', true);
    await expect(activities.createServer({ instance: instance({ region: 'sg-singapore' }) })).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining('no capacity in sin') });
  });

  it('passes no raw key lines when called without ids (older workflow revisions)', async () => {
    const spec = instance({ sshKeys: [FIXTURE_KEYS.ed25519.line] });
    const created = await activities.createServer({ instance: spec });
    expect(serverState(created.serverId!).ssh_key_ids).toEqual([]);
  });
});

describe('enableBackup', () => {
  it('enables once; again is "already enabled"; a lost answer still ends enabled', async () => {
    const spec = instance();
    const { serverId, createActionId } = await activities.createServer({ instance: spec });
    await activities.waitForServerRunning({ instance: spec, serverId: serverId!, createActionId });
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/enable_backup', commitThenDrop: { count: 1 } }]);
    const { value } = await withRetries(() => activities.enableBackup({ instance: spec, serverId: serverId! }));
    expect(['enabled', 'already enabled']).toContain(value);
    expect(await activities.enableBackup({ instance: spec, serverId: serverId! })).toBe('already enabled');
    expect(stack.sandbox.state().requests['POST /v1/servers/:id/actions/enable_backup']).toBeLessThanOrEqual(2);
  });
});
