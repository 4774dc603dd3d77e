import type { OperationRequest } from '../../workflows/domain';
import { FailureType } from '../../workflows/failure-types';
import type { FailureInfo } from '../../workflows/failures';
import { InstanceState, MAX_SEEN_KEYS } from '../../workflows/instance-state';
import type { InstanceStatus } from '../../workflows/statuses';

const instance = { instanceId: 'i-1', customerId: '7', serviceId: '42', plan: 'starter', region: 'eu-frankfurt', subdomain: 'acme', sshKeys: [] };
let n = 0;
const request = (type: OperationRequest['type'], key?: string): OperationRequest => ({
  operationId: `op-${++n}`,
  type,
  seq: n,
  args: {},
  idempotencyKey: key,
  requestedBy: 'test',
});

const stateIn = (status: InstanceStatus, plan = 'starter') =>
  new InstanceState({ instance, carried: { status, plan, resources: { serverId: 5 }, queue: [], seenKeys: {}, operationsRun: 1 } });
const failure = (type: string | undefined, extra: Partial<FailureInfo> = {}): FailureInfo => ({ type, message: `${type} happened`, cancelled: false, details: [], ...extra });
const newId = () => 'generated-id';

describe('the instance state', () => {
  it('queues requests in order and hands them out first in, first out', () => {
    const state = new InstanceState({ instance });
    const a = request('suspend');
    const b = request('unsuspend');
    state.enqueue(a);
    state.enqueue(b);
    expect(state.next()).toBe(a);
    expect(state.next()).toBe(b);
    expect(state.next()).toBeUndefined();
  });

  it('answers a repeated idempotency key with the first operation and queues nothing', () => {
    const state = new InstanceState({ instance });
    const first = request('suspend', 'k1');
    state.enqueue(first);
    expect(state.enqueue(request('suspend', 'k1'))).toEqual({ kind: 'duplicate', operationId: first.operationId });
    expect(state.queue).toHaveLength(1);
  });

  it('drops queued operations when a terminate arrives, and asks to cancel a running provision', () => {
    const state = new InstanceState({ instance });
    const provision = request('provision', 'provision');
    state.enqueue(provision);
    state.begin(state.next()!);
    const suspend = request('suspend');
    state.enqueue(suspend);
    const result = state.enqueue(request('terminate'));
    expect(result).toEqual({ kind: 'queued', dropped: [suspend], cancelProvision: true });
    expect(state.queue.map((q) => q.type)).toEqual(['terminate']);
  });

  it('lets any other running operation finish before a terminate', () => {
    const state = new InstanceState({ instance, carried: { status: 'running', plan: 'starter', resources: {}, queue: [], seenKeys: {}, operationsRun: 1 } });
    state.begin(request('reboot'));
    expect(state.enqueue(request('terminate'))).toMatchObject({ cancelProvision: false });
  });

  it('goes back to where an operation started when an operator skips it, and to failed for a provision', () => {
    const running = stateIn('running');
    running.begin(request('suspend'));
    running.settle(failure('Hetzner.locked'), 'now');
    expect(running.status).toBe('attention');
    running.chooseForAttention('skip', {});
    running.resolveAttention(newId);
    expect(running.status).toBe('running');

    const fresh = new InstanceState({ instance });
    fresh.begin(request('provision'));
    fresh.settle(failure('Hetzner.locked'), 'now');
    fresh.chooseForAttention('skip', {});
    fresh.resolveAttention(newId);
    expect(fresh.status).toBe('failed');
  });

  it('carries state, queue and idempotency keys across continue-as-new', () => {
    const state = new InstanceState({ instance });
    state.enqueue(request('provision', 'provision'));
    state.begin(state.next()!);
    state.finish({ status: 'running', resources: { serverId: 5, ipAddress: '203.0.113.5' } });
    state.enqueue(request('suspend', 'k-suspend'));
    const next = new InstanceState({ instance, carried: state.carry() });
    expect(next.status).toBe('running');
    expect(next.resources).toEqual({ serverId: 5, ipAddress: '203.0.113.5' });
    expect(next.queue.map((q) => q.type)).toEqual(['suspend']);
    expect(next.enqueue(request('suspend', 'k-suspend')).kind).toBe('duplicate');
    expect(next.enqueue(request('reboot', 'provision')).kind).toBe('duplicate');
  });

  it('forgets the oldest idempotency keys beyond its bound', () => {
    const state = new InstanceState({ instance });
    for (let i = 0; i < MAX_SEEN_KEYS + 5; i++) state.enqueue(request('reboot', `key-${i}`));
    expect(Object.keys(state.seenKeys)).toHaveLength(MAX_SEEN_KEYS);
    expect(state.seenKeys['key-0']).toBeUndefined();
    expect(state.seenKeys[`key-${MAX_SEEN_KEYS + 4}`]).toBeDefined();
  });
});

describe('how a failed operation settles', () => {
  it('ends a provision that rolled back as failed, instance failed', () => {
    const state = new InstanceState({ instance });
    state.begin(request('provision'));
    expect(state.settle(failure(FailureType.ProvisionFailed), 'now')).toEqual({ kind: 'ended', operationStatus: 'failed', message: 'ProvisionFailed happened' });
    expect(state.status).toBe('failed');
    expect(state.lastError).toBe('ProvisionFailed happened');
    expect(state.current).toBeUndefined();
  });

  it('ends a refused request as failed and leaves the instance where it was', () => {
    const state = stateIn('suspended');
    state.begin(request('resize'));
    expect(state.settle(failure(FailureType.OperationRefused), 'now')).toMatchObject({ kind: 'ended', operationStatus: 'failed' });
    expect(state.status).toBe('suspended');
  });

  it('ends a provision cancelled by terminate as cancelled, instance failed', () => {
    const state = new InstanceState({ instance });
    state.begin(request('provision'));
    expect(state.settle(failure(undefined, { cancelled: true }), 'now')).toEqual({ kind: 'ended', operationStatus: 'cancelled', message: 'provision cancelled by terminate; rolled back' });
    expect(state.status).toBe('failed');
  });

  it.each([FailureType.ProviderRefused, FailureType.CompensationFailed, FailureType.ActionFailed, 'Hetzner.locked', undefined])('sends anything else (%s) to attention', (type) => {
    const state = stateIn('running');
    state.begin(request('reboot'));
    expect(state.settle(failure(type), '2026-11-29T00:00:00.000Z')).toEqual({ kind: 'attention', message: `${type} happened` });
    expect(state.status).toBe('attention');
    expect(state.attention).toMatchObject({ error: `${type} happened`, since: '2026-11-29T00:00:00.000Z' });
    expect(state.current).toBeDefined();
  });

  it('keeps what a provision whose VPS was ready needs to resume, and a skip then leaves it running', () => {
    const state = new InstanceState({ instance });
    state.begin(request('provision'));
    const resume = { resources: { serverId: 9, ipAddress: '203.0.113.9' }, ready: {} };
    state.settle(failure(FailureType.ReadyButNotNotified, { details: [resume] }), 'now');
    expect(state.resumeAfterReady).toEqual(resume);
    // A second failure of another kind keeps what the first said.
    state.chooseForAttention('retry', {});
    state.resolveAttention(newId);
    state.settle(failure('SMTP.timeout'), 'now');
    expect(state.resumeAfterReady).toEqual(resume);
    state.chooseForAttention('skip', { operator: 'ops' });
    expect(state.resolveAttention(newId)).toMatchObject({ kind: 'ended', choice: 'skip', resources: { serverId: 9, ipAddress: '203.0.113.9' } });
    expect(state.status).toBe('running');
    expect(state.resources).toMatchObject({ serverId: 9 });
  });
});

describe("an operator's answer to attention", () => {
  const inAttention = () => {
    const state = stateIn('running');
    const reboot = request('reboot');
    state.begin(reboot);
    state.settle(failure(FailureType.ProviderRefused), 'now');
    return { state, reboot };
  };

  it('is ignored when nothing waits for one', () => {
    const state = stateIn('running');
    state.chooseForAttention('abort', {});
    expect(state.operatorChoice).toBeUndefined();
  });

  it('retry: the operation runs again from where it started, with the operator in the answer', () => {
    const { state } = inAttention();
    state.chooseForAttention('retry', { operator: 'ops', reason: 'fixed' });
    expect(state.resolveAttention(newId)).toEqual({ kind: 'retry', action: { operator: 'ops', reason: 'fixed' }, message: 'operator asked to retry reboot' });
    expect(state.status).toBe('rebooting');
    expect(state.attention).toBeUndefined();
    expect(state.operatorChoice).toBeUndefined();
  });

  it('skip: the operation fails and the instance goes back to where it was', () => {
    const { state } = inAttention();
    state.chooseForAttention('skip', {});
    expect(state.resolveAttention(newId)).toMatchObject({ kind: 'ended', choice: 'skip', message: 'skipped by an operator after: ProviderRefused happened' });
    expect(state.status).toBe('running');
    expect(state.queue).toEqual([]);
  });

  it('abort: the operation fails and a terminate is put first in line, numbered after it', () => {
    const { state, reboot } = inAttention();
    const suspend = request('suspend');
    state.enqueue(suspend);
    state.chooseForAttention('abort', {});
    const resolution = state.resolveAttention(newId);
    expect(resolution).toMatchObject({ kind: 'ended', choice: 'abort', message: 'aborted by an operator after: ProviderRefused happened' });
    expect(state.queue.map((q) => [q.type, q.seq, q.operationId])).toEqual([
      ['terminate', reboot.seq, 'generated-id'],
      ['suspend', suspend.seq, suspend.operationId],
    ]);
  });

  it('abort with a terminate already queued adds no second one', () => {
    const { state } = inAttention();
    // A terminate requested during attention is the operator's abort.
    state.enqueue(request('terminate'));
    expect(state.operatorChoice?.choice).toBe('abort');
    const resolution = state.resolveAttention(newId);
    expect(resolution).toMatchObject({ kind: 'ended', choice: 'abort' });
    expect(resolution.kind === 'ended' && resolution.terminate).toBeFalsy();
    expect(state.queue.map((q) => q.type)).toEqual(['terminate']);
  });
});
