// Every row of DESIGN.md's lifecycle table, on the real entity and child workflows against stub
// activities: the end state (query `state`), the operation's recorded statuses, and which
// provider activities ran.
import { WorkflowNotFoundError } from '@temporalio/client';
import { FailureType } from '../../workflows/failure-types';
import { operationWorkflowId } from '../../workflows/ids';
import { startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('lifecycle');
});
afterAll(() => h?.close());

const PROVISION_CALLS = ['createServer', 'waitForServerRunning', 'ensureDnsRecord'];

/** Provider calls after the provision. */
const since = (instance: TestInstance, mark: number) => instance.providerCalls().slice(mark);

async function suspended(plan?: string): Promise<TestInstance> {
  const instance = await h.running(plan ? { plan } : {});
  await instance.untilDone(await instance.request('suspend'));
  await instance.untilSettled('suspended');
  return instance;
}

describe('provision', () => {
  it('creates the server and DNS record, waits for ready (signalled to the child), welcomes and bills: running', async () => {
    const instance = await h.start();
    // Waiting for the VPS: nothing more happens until ready.
    await instance.untilState((s) => s.status === 'provisioning' && instance.providerCalls().length === 3, 'provision to wait for ready');
    expect(instance.emails()).toEqual([]);
    await instance.ready({ openclawVersion: '9.9.9', gatewayPort: 18789 });
    const state = await instance.untilSettled('running');
    expect(await instance.untilDone(instance.provision)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(instance.provision)).toEqual(['running', 'succeeded']);
    expect(state).toMatchObject({
      instanceId: instance.id,
      plan: 'starter',
      resources: { serverId: expect.any(Number), ipAddress: expect.stringMatching(/^203\.0\.113\./), dnsRecordId: `dns-${instance.id}`, serverType: 'type-starter', location: 'loc-eu-frankfurt' },
      queue: [],
    });
    expect(state.lastError).toBeUndefined();
    expect(instance.providerCalls()).toEqual(PROVISION_CALLS);
    // The server and its record reach the read model as one step of their own, before ready.
    expect(instance.calls().filter((c) => c.activity === 'recordResources').map((c) => c.input)).toEqual([{ instanceId: instance.id, resources: state.resources }]);
    expect(instance.emails()).toEqual(['welcome']);
    expect(instance.billing()).toEqual(['instance.provisioned']);
    // What the VPS said reaches the read model with the final record, and the child id is the contract's.
    const final = instance.records().at(-1)!;
    expect(final).toMatchObject({ status: 'running', openclawVersion: '9.9.9', currentOperationId: null, lastError: null });
    expect(final.operations?.[0]?.workflowId).toBe(operationWorkflowId(instance.id, 'provision', 1));
  });

  it('times out waiting for ready, deletes the DNS record then the server, and ends failed', async () => {
    const instance = await h.start({ timings: { readyTimeoutMs: 300 } });
    const state = await instance.untilSettled('failed');
    expect(await instance.untilDone(instance.provision)).toEqual({ status: 'failed', error: expect.stringMatching(/rolled back \(no server or DNS record left\).*did not call back ready/) });
    expect(instance.statuses(instance.provision)).toEqual(['running', 'failed']);
    expect(state.lastError).toMatch(/did not call back ready/);
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'deleteDnsRecord', 'deleteServer']);
    // The rollback deletes the server the provision created.
    const created = instance.calls().find((c) => c.activity === 'createServer')!.result as { serverId: number };
    expect(instance.calls().find((c) => c.activity === 'deleteServer')?.input.serverId).toBe(created.serverId);
    expect(instance.emails()).toEqual([]);
    expect(instance.billing()).toEqual(['instance.provision_failed']);
  });

  it('refused by the provider while creating: rolls back and ends failed, never in attention', async () => {
    const instance = await h.start();
    h.stubs.fail(instance.id, 'createServer', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'resource_limit_exceeded' });
    const state = await instance.untilSettled('failed');
    expect(await instance.untilDone(instance.provision)).toEqual({ status: 'failed', error: expect.stringMatching(/rolled back.*resource_limit_exceeded/) });
    expect(state.attention).toBeUndefined();
    expect(instance.providerCalls()).toEqual(['createServer', 'deleteDnsRecord', 'deleteServer']);
    expect(instance.calls().find((c) => c.activity === 'deleteServer')?.input.serverId).toBeUndefined();
    expect(instance.billing()).toEqual(['instance.provision_failed']);
  });
});

describe('suspend', () => {
  it('from running: stops the server, e-mails, bills: suspended', async () => {
    const instance = await h.running();
    const mark = instance.providerCalls().length;
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(suspend)).toEqual(['running', 'succeeded']);
    await instance.untilSettled('suspended');
    expect(since(instance, mark)).toEqual(['stopServer']);
    expect(instance.calls().find((c) => c.activity === 'stopServer')?.input).toMatchObject({ serverId: (await instance.state()).resources.serverId, gracefulTimeoutMs: 1_000 });
    expect(instance.emails()).toEqual(['welcome', 'suspended']);
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.suspended']);
  });

  it('when suspended: succeeds as a no-op without touching the server', async () => {
    const instance = await suspended();
    const mark = instance.providerCalls().length;
    const again = await instance.request('suspend');
    expect(await instance.untilDone(again)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(again)).toEqual(['succeeded']);
    await instance.untilSettled('suspended');
    expect(since(instance, mark)).toEqual([]);
    expect(instance.emails()).toEqual(['welcome', 'suspended']);
  });
});

describe('unsuspend', () => {
  it('from suspended: powers on, e-mails, bills: running', async () => {
    const instance = await suspended();
    const mark = instance.providerCalls().length;
    const unsuspend = await instance.request('unsuspend');
    expect(await instance.untilDone(unsuspend)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(unsuspend)).toEqual(['running', 'succeeded']);
    await instance.untilSettled('running');
    expect(since(instance, mark)).toEqual(['startServer']);
    expect(instance.emails()).toEqual(['welcome', 'suspended', 'unsuspended']);
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.suspended', 'instance.unsuspended']);
  });

  it('when running: succeeds as a no-op', async () => {
    const instance = await h.running();
    const mark = instance.providerCalls().length;
    const unsuspend = await instance.request('unsuspend');
    expect(await instance.untilDone(unsuspend)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(unsuspend)).toEqual(['succeeded']);
    await instance.untilSettled('running');
    expect(since(instance, mark)).toEqual([]);
    expect(instance.billing()).toEqual(['instance.provisioned']);
  });
});

describe('resize', () => {
  it('from running: checks, stops, changes the type, starts again: running on the new plan', async () => {
    const instance = await h.running({ plan: 'starter' });
    const mark = instance.providerCalls().length;
    const resize = await instance.request('resize', { plan: 'professional' });
    expect(await instance.untilDone(resize)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(resize)).toEqual(['running', 'succeeded']);
    const state = await instance.untilSettled('running');
    expect(state).toMatchObject({ plan: 'professional', resources: { serverType: 'type-professional' } });
    expect(since(instance, mark)).toEqual(['checkResize', 'stopServer', 'changeServerType', 'startServer']);
    expect(instance.calls().find((c) => c.activity === 'changeServerType')?.input).toMatchObject({ serverType: 'type-professional' });
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.resized']);
    expect(instance.emails()).toEqual(['welcome']);
    expect(instance.records().at(-1)).toMatchObject({ plan: 'professional' });
  });

  it('from suspended: changes the type and leaves it off: suspended on the new plan', async () => {
    const instance = await suspended('starter');
    const mark = instance.providerCalls().length;
    const resize = await instance.request('resize', { plan: 'enterprise' });
    expect(await instance.untilDone(resize)).toEqual({ status: 'succeeded' });
    const state = await instance.untilSettled('suspended');
    expect(state).toMatchObject({ plan: 'enterprise', resources: { serverType: 'type-enterprise' } });
    expect(since(instance, mark)).toEqual(['checkResize', 'changeServerType']);
    expect(instance.billing().at(-1)).toBe('instance.resized');
  });

  it('to the same plan: succeeds as a no-op without a child or a provider call', async () => {
    const instance = await h.running({ plan: 'professional' });
    const mark = instance.providerCalls().length;
    const resize = await instance.request('resize', { plan: 'professional' });
    expect(await instance.untilDone(resize)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(resize)).toEqual(['succeeded']);
    expect(await instance.untilSettled('running')).toMatchObject({ plan: 'professional' });
    expect(since(instance, mark)).toEqual([]);
    expect(instance.billing()).toEqual(['instance.provisioned']);
  });

  it('refused by checkResize (OperationRefused): the operation fails, the instance stays running on its plan', async () => {
    const instance = await h.running({ plan: 'professional' });
    h.stubs.fail(instance.id, 'checkResize', { type: FailureType.OperationRefused, nonRetryable: true, message: 'the disk is 160 GB; it cannot shrink' });
    const mark = instance.providerCalls().length;
    const resize = await instance.request('resize', { plan: 'starter' });
    expect(await instance.untilDone(resize)).toEqual({ status: 'failed', error: 'the disk is 160 GB; it cannot shrink' });
    expect(instance.statuses(resize)).toEqual(['running', 'failed']);
    const state = await instance.untilSettled('running');
    expect(state).toMatchObject({ plan: 'professional', resources: { serverType: 'type-professional' }, lastError: 'the disk is 160 GB; it cannot shrink' });
    expect(state.attention).toBeUndefined();
    // Refused before anything was stopped, and tried once (non-retryable).
    expect(since(instance, mark)).toEqual(['checkResize']);
    expect(instance.billing()).toEqual(['instance.provisioned']);
  });
});

describe('reboot', () => {
  it('from running: reboots, bills: running', async () => {
    const instance = await h.running();
    const mark = instance.providerCalls().length;
    const reboot = await instance.request('reboot');
    expect(await instance.untilDone(reboot)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(reboot)).toEqual(['running', 'succeeded']);
    await instance.untilSettled('running');
    expect(since(instance, mark)).toEqual(['rebootServer']);
    expect(instance.calls().find((c) => c.activity === 'rebootServer')?.input).toMatchObject({ softTimeoutMs: 1_000 });
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.rebooted']);
    expect(instance.emails()).toEqual(['welcome']);
  });

  it('from suspended: rejected with a reason, nothing touched', async () => {
    const instance = await suspended();
    const mark = instance.providerCalls().length;
    const reboot = await instance.request('reboot');
    expect(await instance.untilDone(reboot)).toEqual({ status: 'rejected', error: 'reboot is not allowed while the instance is suspended' });
    expect(instance.statuses(reboot)).toEqual(['rejected']);
    await instance.untilSettled('suspended');
    expect(since(instance, mark)).toEqual([]);
  });
});

describe('terminate', () => {
  it('from running (with a snapshot): snapshot, DNS record, server, goodbye, billing; the entity completes terminated', async () => {
    const instance = await h.running();
    const mark = instance.providerCalls().length;
    const terminate = await instance.request('terminate', { snapshot: true });
    expect(await instance.result()).toMatchObject({ status: 'terminated', resources: {}, queue: [] });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(terminate)).toEqual(['running', 'succeeded']);
    expect(since(instance, mark)).toEqual(['snapshotServer', 'deleteDnsRecord', 'deleteServer']);
    expect(instance.emails()).toEqual(['welcome', 'terminated']);
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.terminated']);
  });

  it('from suspended: no snapshot unless asked', async () => {
    const instance = await suspended();
    const mark = instance.providerCalls().length;
    const terminate = await instance.request('terminate');
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    expect(since(instance, mark)).toEqual(['deleteDnsRecord', 'deleteServer']);
    expect(instance.emails().at(-1)).toBe('terminated');
    expect(instance.billing().at(-1)).toBe('instance.terminated');
  });

  it('from failed: cleans up without a goodbye e-mail to a customer never welcomed', async () => {
    const instance = await h.start({ timings: { readyTimeoutMs: 200 } });
    await instance.untilSettled('failed');
    const mark = instance.providerCalls().length;
    const terminate = await instance.request('terminate');
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    expect(since(instance, mark)).toEqual(['deleteDnsRecord', 'deleteServer']);
    expect(instance.emails()).toEqual([]);
    expect(instance.billing()).toEqual(['instance.provision_failed', 'instance.terminated']);
  });
});

describe('refusals', () => {
  it('rejects every operation that reaches a terminated instance; a closed entity takes no more signals', async () => {
    const instance = await h.running();
    // Hold the terminate in flight so the requests after it surely arrive before the entity ends.
    const held = h.stubs.hold(instance.id, 'deleteServer');
    const terminate = await instance.request('terminate');
    await held.reached;
    // (A second terminate first: behind it, with the first one no longer queued, it would drop the
    // others as `cancelled` before being rejected itself.)
    const late = [await instance.request('terminate'), await instance.request('reboot'), await instance.request('unsuspend')];
    held.release();
    expect(await instance.result()).toMatchObject({ status: 'terminated', queue: [] });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    for (const op of late) expect(instance.recorded(op)).toEqual({ status: 'rejected', error: 'the instance is terminated' });
    expect(instance.providerCalls().filter((c) => c === 'deleteServer')).toHaveLength(1);
    // After that, the API's early 409 is the only answer: the workflow is gone.
    await expect(instance.request('suspend')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('from failed, rejects everything but terminate', async () => {
    const instance = await h.start({ timings: { readyTimeoutMs: 200 } });
    await instance.untilSettled('failed');
    const mark = instance.providerCalls().length;
    for (const [type, args] of [['suspend', {}], ['unsuspend', {}], ['resize', { plan: 'professional' }], ['reboot', {}]] as const) {
      const op = await instance.request(type, args);
      expect(await instance.untilDone(op)).toEqual({ status: 'rejected', error: `the instance failed; only terminate is allowed, not ${type}` });
    }
    expect(since(instance, mark)).toEqual([]);
    expect((await instance.untilSettled('failed')).plan).toBe('starter');
  });
});
