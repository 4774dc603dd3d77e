// Continue-as-new (here after every 2 started operations) carries the instance's state, its queue
// and the idempotency keys it has seen into the next run.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { InstanceWorkflowInput } from '../../workflows/domain';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('can');
});
afterAll(() => h?.close());

/** The runs of one workflow id, oldest first, each with the input it started with. */
async function runsOf(workflowId: string, firstRunId: string): Promise<{ runId: string; input: InstanceWorkflowInput; continued: boolean }[]> {
  const runs = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events;
    const started = events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = defaultPayloadConverter.fromPayload<InstanceWorkflowInput>(started!.input!.payloads![0] as never);
    const next: string | undefined = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ runId, input, continued: next !== undefined });
    runId = next;
  }
  return runs;
}

describe('continue-as-new', () => {
  it('keeps state, queue and seen idempotency keys across runs', async () => {
    const instance = await h.start({ continueAsNewAfterOperations: 2 });
    const firstRunId = (await instance.handle.describe()).runId;
    await instance.untilState(() => instance.providerCalls().length === 3, 'provision to wait for ready');
    // Queued behind the provision: run 1 ends after provision + suspend with three still queued.
    const suspend = await instance.request('suspend', {}, { idempotencyKey: 'key-suspend' });
    const resize = await instance.request('resize', { plan: 'professional' }, { idempotencyKey: 'key-resize' });
    const unsuspend = await instance.request('unsuspend');
    const reboot = await instance.request('reboot');
    await instance.untilState((s) => s.queue.length === 4, 'four queued');
    await instance.ready();
    for (const op of [instance.provision, suspend, resize, unsuspend, reboot]) expect(await instance.untilDone(op)).toEqual({ status: 'succeeded' });

    const state = await instance.untilSettled('running');
    const created = instance.calls().find((c) => c.activity === 'createServer')!.result as { serverId: number; ipAddress: string };
    expect(state).toMatchObject({ status: 'running', plan: 'professional', queue: [], resources: { serverId: created.serverId, ipAddress: created.ipAddress, serverType: 'type-professional', dnsRecordId: `dns-${instance.id}` } });

    // Provision + 4 operations at 2 per run: run 1 (provision, suspend), run 2 (resize, unsuspend), run 3 (reboot).
    const current = (await instance.handle.describe()).runId;
    expect(current).not.toBe(firstRunId);
    const runs = await runsOf(instance.handle.workflowId, firstRunId);
    expect(runs.map((r) => r.continued)).toEqual([true, true, false]);
    expect(runs.at(-1)!.runId).toBe(current);
    const second = runs[1]!.input.carried!;
    expect(second).toMatchObject({ status: 'suspended', plan: 'starter', seenKeys: { 'key-suspend': suspend.operationId, 'key-resize': resize.operationId } });
    expect(second.queue.map((q) => q.operationId)).toEqual([resize.operationId, unsuspend.operationId, reboot.operationId]);
    expect(runs[2]!.input.carried).toMatchObject({ status: 'running', plan: 'professional', queue: [{ operationId: reboot.operationId }] });
    // The test knob survives each run, so the cadence does too.
    expect(runs[2]!.input.continueAsNewAfterOperations).toBe(2);

    // A key first seen two runs ago still answers with its first operation: nothing new runs.
    const stopsBefore = instance.providerCalls().filter((c) => c === 'stopServer').length;
    const again = await instance.request('suspend', {}, { idempotencyKey: 'key-suspend' });
    const againResize = await instance.request('resize', { plan: 'enterprise' }, { idempotencyKey: 'key-resize' });
    // Something after them still runs, so both signals above have surely been handled.
    const marker = await instance.request('reboot');
    expect(await instance.untilDone(marker)).toEqual({ status: 'succeeded' });
    expect(instance.statuses(again)).toEqual([]);
    expect(instance.statuses(againResize)).toEqual([]);
    expect(instance.providerCalls().filter((c) => c === 'stopServer')).toHaveLength(stopsBefore);
    expect(await instance.untilSettled('running')).toMatchObject({ plan: 'professional' });
  });
});
