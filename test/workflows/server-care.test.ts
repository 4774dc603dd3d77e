// The panel operations and the VPS's `failed` callback in the workflows (issue 15), against stub
// activities: what each child calls, in which order, and where the instance ends.
import { WorkflowNotFoundError } from '@temporalio/client';
import { operationWorkflowId } from '../../workflows/ids';
import { readySignal, vmFailedSignal } from '../../workflows/messages';
import { eventually, startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('care');
});
afterAll(() => h?.close());

/** Signal a child that may not be started yet (as the API's callback routes do, retried by the VPS). */
async function signalChild(workflowId: string, send: (handle: ReturnType<Harness['client']['workflow']['getHandle']>) => Promise<void>) {
  await eventually(async () => {
    try {
      await send(h.client.workflow.getHandle(workflowId));
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }, `${workflowId} to take the signal`);
}

const since = (instance: TestInstance, mark: number) => instance.providerCalls().slice(mark);

describe('panel operations', () => {
  it('rebuild of a running instance reinstalls, re-arms the callback, waits for ready and stays running', async () => {
    const instance = await h.running();
    const mark = instance.providerCalls().length;
    const rebuild = await instance.request('rebuild', { image: 'ubuntu-24.04' });
    await instance.untilState((s) => s.status === 'rebuilding', 'rebuilding');
    await signalChild(operationWorkflowId(instance.id, 'rebuild', rebuild.seq), (handle) => handle.signal(readySignal, {}));
    expect(await instance.untilDone(rebuild)).toEqual({ status: 'succeeded' });
    expect((await instance.state()).status).toBe('running');
    expect(since(instance, mark)).toEqual(['rebuildServer']);
    expect(instance.calls().some((c) => c.activity === 'armReadyCallback')).toBe(true);
    expect(instance.billing()).toContain('instance.rebuilt');
  });

  it('rebuild of a suspended instance shuts it down again afterwards and waits for no callback', async () => {
    const instance = await h.running();
    await instance.request('suspend');
    await instance.untilSettled('suspended');
    const mark = instance.providerCalls().length;
    const rebuild = await instance.request('rebuild', { snapshotId: 4242 });
    expect(await instance.untilDone(rebuild)).toEqual({ status: 'succeeded' });
    expect((await instance.state()).status).toBe('suspended');
    expect(since(instance, mark)).toEqual(['rebuildServer', 'stopServer']);
    expect(instance.calls().find((c) => c.activity === 'rebuildServer')!.input).toMatchObject({ image: '4242' });
  });

  it('a rebuild whose VM reports a failed install waits for an operator', async () => {
    const instance = await h.running();
    const rebuild = await instance.request('rebuild', { image: 'ubuntu-24.04' });
    await signalChild(operationWorkflowId(instance.id, 'rebuild', rebuild.seq), (handle) => handle.signal(vmFailedSignal, { reason: 'caddy did not start' }));
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toContain('caddy did not start');
  });

  it('reset_password from suspended powers on around the reset and stays suspended', async () => {
    const instance = await h.running();
    await instance.request('suspend');
    await instance.untilSettled('suspended');
    const mark = instance.providerCalls().length;
    expect(await instance.untilDone(await instance.request('reset_password'))).toEqual({ status: 'succeeded' });
    expect(since(instance, mark)).toEqual(['startServer', 'resetRootPassword', 'stopServer']);
    expect((await instance.state()).status).toBe('suspended');
  });

  it('snapshot and delete_snapshot record the instance’s snapshot list', async () => {
    const instance = await h.running();
    expect(await instance.untilDone(await instance.request('snapshot', { description: 'nightly' }))).toEqual({ status: 'succeeded' });
    expect(instance.records().at(-1)?.snapshots).toEqual([expect.objectContaining({ description: 'nightly' })]);
    expect(await instance.untilDone(await instance.request('delete_snapshot', { snapshotId: 1 }))).toEqual({ status: 'succeeded' });
    expect(instance.records().at(-1)?.snapshots).toEqual([]);
    expect((await instance.state()).status).toBe('running');
  });

  it('refuses panel operations on a failed instance', async () => {
    const instance = await h.start();
    h.stubs.fail(instance.id, 'createServer', { type: 'ProviderRefused', nonRetryable: true, times: 1 });
    await instance.untilSettled('failed');
    for (const type of ['rebuild', 'reset_password', 'snapshot'] as const) {
      const request = await instance.request(type, type === 'rebuild' ? { image: 'ubuntu-24.04' } : {});
      expect(await instance.untilDone(request)).toEqual({ status: 'rejected', error: expect.stringContaining('only terminate is allowed') });
    }
  });
});

describe('a VPS that reports a failed install', () => {
  it('fails the provision at once and removes the firewall and keys with the server', async () => {
    const instance = await h.start();
    await signalChild(operationWorkflowId(instance.id, 'provision', 1), (handle) => handle.signal(vmFailedSignal, { reason: 'gateway did not answer' }));
    const state = await instance.untilSettled('failed');
    expect(state.lastError).toContain('gateway did not answer');
    expect(instance.accessCalls()).toEqual(['ensureFirewall', 'deleteFirewall', 'deleteUnusedSshKeys']);
    expect(instance.providerCalls()).toEqual(['createServer', 'waitForServerRunning', 'ensureDnsRecord', 'deleteDnsRecord', 'deleteServer']);
  });
});
