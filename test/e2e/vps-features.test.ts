// Issue #15 end to end: the VPS a customer gets (SSH keys stored once and referenced by id, a
// firewall per instance, location fallback, a VM that reports a failed install) and what a panel
// offers on it (rebuild, root password reset, snapshots, restore by rebuild) — through the signed
// API, the workflows and the sandbox providers, with nothing left behind.
import { billingEvents, createInstance, getInstance, leftovers, operationsOf, untilOperationDone, untilStatus, type Created } from '../support/lifecycle';
import { historyText, instanceWorkflowIds } from '../support/histories';
import { sshKeyLine } from '../support/ssh-keys';
import { mailsTo, serversOf } from '../support/world';
import { eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

interface SandboxKey {
  id: number;
  fingerprint: string;
  labels: Record<string, string>;
}
interface SandboxFirewall {
  id: number;
  labels: Record<string, string>;
}
const world = () => stack.sandbox.state() as unknown as { ssh_keys: SandboxKey[]; firewalls: SandboxFirewall[]; servers: { id: number; labels: Record<string, string>; ssh_key_ids: number[]; root_password: { value: string } | null; public_net: { firewalls: { id: number }[] } }[] };
const keysOf = (customer: string) => world().ssh_keys.filter((k) => k.labels['hostflow-customer'] === customer);
const firewallsOf = (instanceId: string) => world().firewalls.filter((f) => f.labels['hostflow-instance'] === instanceId);

async function post(id: string, path: string, body?: Record<string, unknown>) {
  const answer = await stack.call('POST', `/api/instances/${id}/${path}`, body);
  if (answer.status !== 202) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.operation as { id: string };
}

async function done(created: Created, operation: { id: string }) {
  return untilOperationDone(stack, created.id, operation.id, 60_000);
}

describe('the server a customer gets', () => {
  const customer = String(700_000 + Math.floor(Math.random() * 100_000));
  const keys = [sshKeyLine('alice@laptop'), sshKeyLine('alice@desktop')];

  it('stores two SSH keys once, reuses them for the same customer, and removes them with the last instance', async () => {
    const first = await createInstance(stack, { whmcs_client_id: Number(customer), ssh_keys: keys });
    await untilStatus(stack, first.id, 'running', 60_000);
    expect(keysOf(customer)).toHaveLength(2);
    const [server] = world().servers.filter((s) => s.labels['hostflow-instance'] === first.id);
    expect([...server!.ssh_key_ids].sort()).toEqual(keysOf(customer).map((k) => k.id).sort());
    // A firewall of its own, applied at create.
    expect(firewallsOf(first.id)).toHaveLength(1);
    expect(server!.public_net.firewalls.map((f) => f.id)).toEqual([firewallsOf(first.id)[0]!.id]);

    const second = await createInstance(stack, { whmcs_client_id: Number(customer), ssh_keys: keys });
    await untilStatus(stack, second.id, 'running', 60_000);
    expect(keysOf(customer)).toHaveLength(2);

    await done(first, await terminate(first));
    expect(keysOf(customer)).toHaveLength(2); // the second instance still has a server
    expect(firewallsOf(first.id)).toHaveLength(0);
    await done(second, await terminate(second));
    expect(keysOf(customer)).toHaveLength(0);
    expect(firewallsOf(second.id)).toHaveLength(0);
    expect(leftovers(stack, second)).toEqual({ servers: 0, records: 0 });
  });

  it('fails a provision whose VM reports a failed install within seconds, with the reason and nothing left', async () => {
    stack.sandbox.setVmMode('failed', undefined, 'gateway did not answer /healthz');
    try {
      const created = await createInstance(stack, { whmcs_client_id: Number(customer) + 1, ssh_keys: [keys[0]] });
      const failed = await untilStatus(stack, created.id, 'failed', 30_000);
      expect(failed.last_error).toContain('gateway did not answer /healthz');
      const [provision] = await operationsOf(stack, created.id);
      expect(provision).toMatchObject({ status: 'failed' });
      // The rollback took seconds after the report, not the 15-minute ready timeout.
      expect(new Date(provision!.finished_at!).getTime() - new Date(provision!.started_at!).getTime()).toBeLessThan(20_000);
      expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
      expect(firewallsOf(created.id)).toHaveLength(0);
      expect(keysOf(String(Number(customer) + 1))).toHaveLength(0);
    } finally {
      stack.sandbox.setVmMode('once');
    }
  });

  it('lands in the fallback location when the first has no capacity, and says so', async () => {
    stack.sandbox.setLocationUnavailable('fsn1', true);
    try {
      const created = await createInstance(stack, { region: 'eu-frankfurt' });
      const running = await untilStatus(stack, created.id, 'running', 60_000);
      expect(running.server.location).toBe('nbg1');
      const [provision] = await operationsOf(stack, created.id);
      expect(provision).toMatchObject({ status: 'succeeded' });
      const welcome = await eventually(async () => mailsTo(stack.sandbox, created.email)[0]);
      expect(welcome.text).toContain('nbg1');
    } finally {
      stack.sandbox.setLocationUnavailable('fsn1', false);
    }
  });
});

describe('what a panel offers on a running server', () => {
  let created: Created;
  beforeAll(async () => {
    created = await createInstance(stack);
    await untilStatus(stack, created.id, 'running', 60_000);
  });

  it('resets the root password: the customer gets it by e-mail, no history holds it', async () => {
    expect(await done(created, await post(created.id, 'reset-password'))).toMatchObject({ status: 'succeeded' });
    const password = serverOf(created).root_password!.value;
    expect(password).toBeTruthy();
    const mail = await eventually(async () => mailsTo(stack.sandbox, created.email).find((m) => m.text.includes(password)));
    expect(mail.subject).toMatch(/password/i);
    for (const workflowId of await instanceWorkflowIds(stack.client, created.id)) {
      expect(await historyText(stack.client, workflowId)).not.toContain(password);
    }
  });

  it('takes, lists and deletes snapshots, and restores one by rebuilding', async () => {
    const snap = await done(created, await post(created.id, 'snapshots', { description: 'before upgrade' }));
    expect(snap).toMatchObject({ status: 'succeeded' });
    const listed = (await stack.call('GET', `/api/instances/${created.id}/snapshots`)).body.snapshots as { id: number; description: string }[];
    expect(listed).toHaveLength(1);

    const rebuild = await done(created, await post(created.id, 'rebuild', { snapshot_id: listed[0]!.id }));
    expect(rebuild).toMatchObject({ status: 'succeeded' });
    const after = await getInstance(stack, created.id);
    expect(after).toMatchObject({ status: 'running', ip_address: expect.any(String) });
    expect(serversOf(stack.sandbox, created.id)).toHaveLength(1);

    const removed = await stack.call('DELETE', `/api/instances/${created.id}/snapshots/${listed[0]!.id}`);
    expect(removed.status).toBe(202);
    expect(await done(created, removed.body.operation)).toMatchObject({ status: 'succeeded' });
    expect((await stack.call('GET', `/api/instances/${created.id}/snapshots`)).body.snapshots).toEqual([]);
  });

  it('rebuilds from a catalog image: same server, same IP and DNS, ready again', async () => {
    const before = await getInstance(stack, created.id);
    expect(await done(created, await post(created.id, 'rebuild', { image: 'ubuntu-24.04' }))).toMatchObject({ status: 'succeeded' });
    const after = await untilStatus(stack, created.id, 'running');
    expect(after.ip_address).toBe(before.ip_address);
    expect(after.dns.record_id).toBe(before.dns.record_id);
    expect(billingEvents(stack, created.id)).toContain('instance.rebuilt');
  });

  it('refuses bad input with a clear 4xx and starts nothing', async () => {
    const other = await createInstance(stack);
    await untilStatus(stack, other.id, 'running', 60_000);
    await done(other, await post(other.id, 'snapshots'));
    const othersSnapshot = (await stack.call('GET', `/api/instances/${other.id}/snapshots`)).body.snapshots[0].id as number;
    const before = (await operationsOf(stack, created.id)).length;

    const badKey = await stack.call('POST', '/api/instances', { whmcs_service_id: 99_000_000 + Math.floor(Math.random() * 1000), whmcs_client_id: 1, email: 'x@example.com', plan: 'starter', region: 'eu-frankfurt', ssh_keys: ['ssh-ed25519 not-a-key'] });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.code).toBe('VALIDATION_ERROR');
    for (const [path, body] of [
      ['rebuild', { image: 'windows-95' }],
      ['rebuild', { snapshot_id: 123456789 }],
      ['rebuild', { snapshot_id: othersSnapshot }],
    ] as const) {
      const answer = await stack.call('POST', `/api/instances/${created.id}/${path}`, body);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.body.error.code).toMatch(/VALIDATION_ERROR|NOT_FOUND/);
    }
    for (const id of [123456789, othersSnapshot]) {
      const answer = await stack.call('DELETE', `/api/instances/${created.id}/snapshots/${id}`);
      expect(answer.status).toBe(404);
    }
    expect(await operationsOf(stack, created.id)).toHaveLength(before);
  });
});

function serverOf(created: Created) {
  return world().servers.find((s) => s.labels['hostflow-instance'] === created.id)!;
}

function terminate(created: Created) {
  return stack.call('DELETE', `/api/instances/${created.id}`).then((a) => {
    if (a.status !== 202) throw new Error(`terminate answered ${a.status}`);
    return a.body.operation as { id: string };
  });
}

