// The entity's queue: operations that arrive while another runs wait their turn and are checked
// against the state they meet; terminate drops what is queued (and cancels a provision, which
// compensates first); an idempotency key seen before never makes a second operation.
import { eventually, startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('queue');
});
afterAll(() => h?.close());

const PROVISION_CALLS = ['createServer', 'waitForServerRunning', 'ensureDnsRecord'];

/** Started, and waiting for the VPS's ready callback (server and DNS record exist). */
async function waitingForReady(options: Parameters<Harness['start']>[0] = {}): Promise<TestInstance> {
  const instance = await h.start(options);
  await instance.untilState((s) => s.status === 'provisioning' && instance.providerCalls().length === PROVISION_CALLS.length, 'provision to wait for ready');
  return instance;
}

describe('the queue', () => {
  it('queues what is requested while provision runs and runs it after, in order, each checked against the state it meets', async () => {
    const instance = await waitingForReady();
    const ops = [
      await instance.request('suspend'),
      await instance.request('reboot'),
      await instance.request('resize', { plan: 'professional' }),
      await instance.request('unsuspend'),
      await instance.request('reboot'),
    ];
    // Nothing runs yet: all five wait behind the provision, in request order.
    const waiting = await instance.untilState((s) => s.queue.length === ops.length, 'five queued operations');
    expect(waiting.current).toMatchObject({ type: 'provision', status: 'running' });
    expect(waiting.queue.map((q) => [q.operationId, q.status])).toEqual(ops.map((o) => [o.operationId, 'queued']));
    expect(instance.providerCalls()).toEqual(PROVISION_CALLS);

    await instance.ready();
    const done = [];
    for (const op of ops) done.push(await instance.untilDone(op));
    expect(done).toEqual([
      { status: 'succeeded' },
      { status: 'rejected', error: 'reboot is not allowed while the instance is suspended' },
      { status: 'succeeded' },
      { status: 'succeeded' },
      { status: 'succeeded' },
    ]);
    expect(await instance.untilSettled('running')).toMatchObject({ plan: 'professional' });
    expect(instance.recorded(instance.provision)).toEqual({ status: 'succeeded' });
    // One at a time, in order: suspend, (reboot refused), resize while off, power on, reboot.
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'stopServer', 'checkResize', 'changeServerType', 'startServer', 'rebootServer']);
    // The read model heard each operation start only after the one before it ended.
    const order = instance.records().flatMap((r) => (r.operations ?? []).map((o) => `${o.request.type}-${o.request.seq}:${o.status}`));
    expect(order).toEqual([
      'provision-1:running',
      'provision-1:succeeded',
      'suspend-2:running',
      'suspend-2:succeeded',
      'reboot-3:rejected',
      'resize-4:running',
      'resize-4:succeeded',
      'unsuspend-5:running',
      'unsuspend-5:succeeded',
      'reboot-6:running',
      'reboot-6:succeeded',
    ]);
  });

  it('rejects a suspend queued behind a provision that ends failed', async () => {
    const instance = await h.start({ timings: { readyTimeoutMs: 500 } });
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'rejected', error: 'the instance failed; only terminate is allowed, not suspend' });
    expect(instance.recorded(instance.provision)?.status).toBe('failed');
    await instance.untilSettled('failed');
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'deleteDnsRecord', 'deleteServer']);
    expect(instance.providerCalls()).not.toContain('stopServer');
  });

  it('turns a repeated idempotency key (or operation id) into one operation, before and after it ran', async () => {
    const instance = await h.running();
    const held = h.stubs.hold(instance.id, 'stopServer');
    const first = await instance.request('suspend', {}, { idempotencyKey: 'suspend-once' });
    await held.reached;
    // As racing API replicas would: the same key with a new operation id and seq, and the same operation again.
    const sameKey = await instance.request('suspend', {}, { idempotencyKey: 'suspend-once' });
    await instance.handle.signal('requestOperation', { ...first, idempotencyKey: undefined });
    expect((await instance.state()).queue).toEqual([]);
    held.release();
    expect(await instance.untilDone(first)).toEqual({ status: 'succeeded' });
    // Seen before, even once it has ended: still nothing new.
    const afterwards = await instance.request('resize', { plan: 'enterprise' }, { idempotencyKey: 'suspend-once' });
    const marker = await instance.request('unsuspend');
    expect(await instance.untilDone(marker)).toEqual({ status: 'succeeded' });

    expect(instance.statuses(first)).toEqual(['running', 'succeeded']);
    expect(instance.statuses(sameKey)).toEqual([]);
    expect(instance.statuses(afterwards)).toEqual([]);
    expect(instance.providerCalls().filter((c) => c === 'stopServer')).toHaveLength(1);
    expect(instance.providerCalls()).not.toContain('checkResize');
    expect(instance.emails()).toEqual(['welcome', 'suspended', 'unsuspended']);
    expect(await instance.untilSettled('running')).toMatchObject({ plan: 'starter' });
  });
});

describe('terminate', () => {
  it('during provision: cancels it (which rolls back), drops what was queued, then terminates', async () => {
    const instance = await waitingForReady();
    const suspend = await instance.request('suspend');
    const terminate = await instance.request('terminate');
    expect(await instance.result()).toMatchObject({ status: 'terminated', queue: [] });

    expect(instance.recorded(instance.provision)).toEqual({ status: 'cancelled', error: expect.stringContaining('cancelled by terminate') });
    expect(instance.recorded(suspend)).toEqual({ status: 'cancelled', error: expect.stringContaining(`terminate ${terminate.operationId}`) });
    expect(instance.statuses(suspend)).toEqual(['cancelled']);
    expect(instance.statuses(terminate)).toEqual(['running', 'succeeded']);
    // The provision's rollback (DNS record, then server) ends before terminate starts its own clean-up.
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'deleteDnsRecord', 'deleteServer', 'deleteDnsRecord', 'deleteServer']);
    expect(instance.billing()).toEqual(['instance.provision_failed', 'instance.terminated']);
    // Never welcomed, so no goodbye either.
    expect(instance.emails()).toEqual([]);
  });

  // Revision 3: the provision waits for its cancelled step (WAIT_CANCELLATION_COMPLETED), so the
  // rollback never misses a server a create in flight was still making.
  it('during createServer: deletes nothing before the create has ended', async () => {
    const instance = await h.start();
    const held = h.stubs.hold(instance.id, 'createServer');
    await held.reached;
    await instance.request('terminate');
    // Give the entity time to roll back (wrongly, if it did not wait) and terminate while the create is still running.
    await eventually(async () => (instance.providerCalls().includes('deleteServer') ? true : undefined), 'a delete', 2_000).catch(() => undefined);
    try {
      expect(instance.providerCalls()).toEqual(['createServer']);
    } finally {
      held.release();
    }
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    const created = instance.calls().find((c) => c.activity === 'createServer')!.result as { serverId: number };
    expect(instance.calls().filter((c) => c.activity === 'deleteServer').map((c) => c.input.serverId)).toContain(created.serverId);
  });

  it('waits for an in-flight operation other than provision, and drops the queued ones', async () => {
    const instance = await h.running();
    const held = h.stubs.hold(instance.id, 'stopServer');
    const suspend = await instance.request('suspend');
    await held.reached;
    const reboot = await instance.request('reboot');
    const terminate = await instance.request('terminate');
    const state = await instance.untilState((s) => s.queue.length === 1, 'terminate alone in the queue');
    expect(state.queue).toEqual([expect.objectContaining({ operationId: terminate.operationId, type: 'terminate' })]);
    held.release();
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    // (The entity drops it at once; the read model hears so only when the loop next turns, after the suspend.)
    expect(instance.recorded(reboot)).toEqual({ status: 'cancelled', error: expect.stringContaining(`dropped: terminate ${terminate.operationId}`) });
    expect(instance.statuses(reboot)).toEqual(['cancelled']);
    expect(instance.recorded(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.recorded(terminate)).toEqual({ status: 'succeeded' });
    expect(instance.providerCalls()).toEqual([...PROVISION_CALLS, 'stopServer', 'deleteDnsRecord', 'deleteServer']);
    expect(instance.emails()).toEqual(['welcome', 'suspended', 'terminated']);
  });
});
