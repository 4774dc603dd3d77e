// An operation that cannot finish on its own parks the instance in `attention` until an operator
// signals retry, skip or abort (or a terminate arrives). Transient failures are retried by the
// activity policy first (here: 2 attempts, 10–50 ms apart).
import { FailureType } from '../../workflows/failure-types';
import type { InstanceStateView } from '../../workflows/domain';
import type { OperationRequest } from '../../workflows/domain';
import { startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('attention');
});
afterAll(() => h?.close());

const PROVISION_CALLS = ['createServer', 'waitForServerRunning', 'ensureDnsRecord'];
const refused = { type: FailureType.ProviderRefused, nonRetryable: true, message: '403 forbidden: project is locked. Retrying will not help.' };

async function inAttention(instance: TestInstance, op: OperationRequest): Promise<InstanceStateView> {
  const state = await instance.untilState((s) => s.status === 'attention', 'attention');
  expect(state.attention).toMatchObject({ operation: { operationId: op.operationId, type: op.type, status: 'running' }, error: expect.stringContaining('403 forbidden') });
  expect(state.current).toMatchObject({ operationId: op.operationId, status: 'running' });
  expect(state.lastError).toContain('403 forbidden');
  // The read model hears it once: the operation is still running, the instance needs an operator.
  await instance.untilState(() => instance.events().includes('instance.attention'), 'the attention record');
  expect(instance.records().at(-1)).toMatchObject({ status: 'attention', lastError: expect.stringContaining('403 forbidden') });
  return state;
}

describe('transient failures', () => {
  it('are retried by the activity policy: one failed attempt, then the operation succeeds without an operator', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'stopServer', { times: 1 });
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(suspend)).toEqual(['running', 'succeeded']);
    expect(instance.calls().filter((c) => c.activity === 'stopServer').map((c) => c.outcome)).toEqual(['failed', 'ok']);
    expect(instance.events()).not.toContain('instance.attention');
    await instance.untilSettled('suspended');
  });

  it('go to attention once the attempts are exhausted, and retry then runs the operation again', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'rebootServer', { times: 2, message: 'Hetzner 503, try again later' });
    const reboot = await instance.request('reboot');
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toContain('Hetzner 503');
    expect(instance.calls().filter((c) => c.activity === 'rebootServer').map((c) => c.outcome)).toEqual(['failed', 'failed']);
    await instance.retry();
    expect(await instance.untilDone(reboot)).toEqual({ status: 'succeeded' });
    await instance.untilSettled('running');
    expect(instance.calls().filter((c) => c.activity === 'rebootServer').map((c) => c.outcome)).toEqual(['failed', 'failed', 'ok']);
  });
});

describe('a provider refusal (ProviderRefused, non-retryable)', () => {
  it('parks in attention; retry after the fix runs the operation again and it succeeds', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'stopServer', refused);
    const suspend = await instance.request('suspend');
    await inAttention(instance, suspend);
    // While it waits, other requests queue behind it.
    const reboot = await instance.request('reboot');
    expect((await instance.untilState((s) => s.queue.length === 1, 'the reboot queued')).queue).toEqual([expect.objectContaining({ type: 'reboot', status: 'queued' })]);

    h.stubs.heal(instance.id);
    await instance.retry();
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(await instance.untilDone(reboot)).toEqual({ status: 'rejected', error: 'reboot is not allowed while the instance is suspended' });
    const state = await instance.untilSettled('suspended');
    expect(state.lastError).toBeUndefined();
    expect(state.attention).toBeUndefined();
    expect(instance.statuses(suspend)).toEqual(['running', 'running', 'running', 'succeeded']);
    expect(instance.events().filter((e) => e.startsWith('instance.') || e.startsWith('operator.'))).toEqual(['instance.attention', 'operator.retry']);
    // Non-retryable: one attempt before the operator, one after.
    expect(instance.calls().filter((c) => c.activity === 'stopServer').map((c) => c.outcome)).toEqual(['failed', 'ok']);
    expect(instance.emails()).toEqual(['welcome', 'suspended']);
  });

  it('on skip: the operation fails and the instance goes back to the state it started from', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'rebootServer', refused);
    const reboot = await instance.request('reboot');
    await inAttention(instance, reboot);
    await instance.skip();
    expect(await instance.untilDone(reboot)).toEqual({ status: 'failed', error: expect.stringMatching(/^skipped by an operator after: .*403 forbidden/) });
    const state = await instance.untilSettled('running');
    expect(state.lastError).toMatch(/^skipped/);
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'rebootServer']);
    // And it works normally afterwards.
    h.stubs.heal(instance.id);
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.suspended']);
  });

  it('on abort: the operation fails, a terminate runs first in line, and the entity completes terminated', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'stopServer', refused);
    const resize = await instance.request('resize', { plan: 'professional' });
    await inAttention(instance, resize);
    const queued = await instance.request('unsuspend');
    h.stubs.heal(instance.id);
    await instance.abort();
    expect(await instance.result()).toMatchObject({ status: 'terminated', plan: 'starter' });
    expect(instance.recorded(resize)).toEqual({ status: 'failed', error: expect.stringMatching(/^aborted by an operator after: .*403 forbidden/) });
    // The operator's terminate is a recorded operation of its own; what was queued behind is refused.
    const terminate = instance.records().flatMap((r) => r.operations ?? []).find((o) => o.request.type === 'terminate');
    expect(terminate).toMatchObject({ request: { requestedBy: 'operator:abort' }, status: 'running' });
    expect(instance.recorded(terminate!.request)).toEqual({ status: 'succeeded' });
    expect(instance.recorded(queued)).toEqual({ status: 'rejected', error: 'the instance is terminated' });
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'checkResize', 'stopServer', 'deleteDnsRecord', 'deleteServer']);
    expect(instance.emails()).toEqual(['welcome', 'terminated']);
  });

  it('takes a terminate request while waiting as the abort', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'stopServer', refused);
    const suspend = await instance.request('suspend');
    await inAttention(instance, suspend);
    h.stubs.heal(instance.id);
    const terminate = await instance.request('terminate');
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    expect(instance.recorded(suspend)).toEqual({ status: 'failed', error: expect.stringMatching(/^aborted by an operator/) });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    // One terminate, not two.
    expect(instance.providerCalls().filter((c) => c === 'deleteServer')).toHaveLength(1);
  });
});

describe('a provision whose VPS is ready but whose notices fail', () => {
  it('parks in attention; retry sends only the notices, with no second server', async () => {
    const instance = await h.start();
    h.stubs.fail(instance.id, 'notifyBilling', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'billing webhook 400' });
    await instance.ready();
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention).toMatchObject({ operation: { type: 'provision' }, error: expect.stringMatching(/is up and ready, but .*billing webhook 400/) });
    h.stubs.heal(instance.id);
    await instance.retry();
    expect(await instance.untilDone(instance.provision)).toEqual({ status: 'succeeded' });
    const running = await instance.untilSettled('running');
    expect(running.resources).toMatchObject({ serverId: expect.any(Number), dnsRecordId: `dns-${instance.id}` });
    expect(instance.providerCalls()).toEqual(PROVISION_CALLS);
    expect(instance.billing()).toEqual(['instance.provisioned']);
  });

  it('on skip: the provision fails but the instance is running with its resources', async () => {
    const instance = await h.start();
    h.stubs.fail(instance.id, 'sendEmail', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'SMTP 550 mailbox unavailable' });
    await instance.ready();
    await instance.untilState((s) => s.status === 'attention', 'attention');
    await instance.skip();
    expect(await instance.untilDone(instance.provision)).toEqual({ status: 'failed', error: expect.stringMatching(/^skipped by an operator after: .*SMTP 550/) });
    const state = await instance.untilSettled('running');
    expect(state.resources).toMatchObject({ serverId: expect.any(Number), ipAddress: expect.any(String), dnsRecordId: `dns-${instance.id}` });
    expect(instance.providerCalls()).toEqual(PROVISION_CALLS);
  });
});
