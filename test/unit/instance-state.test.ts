import type { OperationRequest } from '../../workflows/domain';
import { InstanceState, MAX_SEEN_KEYS } from '../../workflows/instance-state';

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
    const running = new InstanceState({ instance, carried: { status: 'running', plan: 'starter', resources: {}, queue: [], seenKeys: {}, operationsRun: 1 } });
    running.begin(request('suspend'));
    running.enterAttention('boom', 'now');
    expect(running.status).toBe('attention');
    expect(running.statusAfterGivingUp()).toBe('running');

    const fresh = new InstanceState({ instance });
    fresh.begin(request('provision'));
    fresh.enterAttention('boom', 'now');
    expect(fresh.statusAfterGivingUp()).toBe('failed');
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
