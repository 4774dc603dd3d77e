// Revisions 4 and 5 of the operation workflows (workflows/revisions.ts), read from the histories:
// the entity runs no activity of its own for "operation started" (the child's first activity
// carries the record, the worker's interceptor writes it first) nor, from revision 5, for the
// operation's success (the child's last activity, the notices, writes it); an operation's e-mail
// and billing notice are one activity that names the side that failed.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { OperationInput } from '../../workflows/domain';
import { FailureType } from '../../workflows/failure-types';
import { instanceWorkflowId, operationWorkflowId } from '../../workflows/ids';
import type { RecordFirst, TransitionRecord } from '../../workflows/transition-record';
import { startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('rev4');
});
afterAll(() => h?.close());

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const firstArg = <T>(payloads: { payloads?: unknown[] | null } | null | undefined): T => defaultPayloadConverter.fromPayload<T>(payloads!.payloads![0] as never);

async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  return (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The activities a history scheduled, in order, each with its first argument. */
function scheduled(events: HistoryEvent[]): { name: string; input: Record<string, unknown> & RecordFirst }[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a): a is NonNullable<typeof a> => Boolean(a))
    .map((a) => ({ name: a.activityType!.name!, input: firstArg(a.input) }));
}

/** The entity's events from the operation's requestOperation signal on. */
async function entitySlice(instance: TestInstance, operationId: string): Promise<HistoryEvent[]> {
  const events = await historyOf(instanceWorkflowId(instance.id));
  const at = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'requestOperation' && firstArg<{ operationId: string }>(e.workflowExecutionSignaledEventAttributes.input).operationId === operationId);
  return events.slice(at);
}

/** The instance's stub calls from the first failed records write on, each with its outcome (a write with its event kind). */
function stepsFromFailedWrite(instance: TestInstance): string[] {
  const calls = instance.calls();
  return calls
    .slice(calls.findIndex((c) => c.activity === 'recordTransition' && c.outcome === 'failed'))
    .map((c) => `${c.activity}${c.activity === 'recordTransition' ? ` ${(c.input as TransitionRecord).event.kind}` : ''}: ${c.outcome}`);
}

describe('operation revisions 4 and 5', () => {
  it('a suspend: the child carries "started" on its first activity and its success on the notices; the entity writes nothing', async () => {
    const instance = await h.running();
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });

    // The read model hears "succeeded" from the child's last activity, just before the child ends.
    const childId = operationWorkflowId(instance.id, 'suspend', suspend.seq);
    expect(await h.client.workflow.getHandle(childId).result()).toMatchObject({ status: 'suspended', recorded: true });
    const child = await historyOf(childId);
    const input = firstArg<OperationInput>(child[0]!.workflowExecutionStartedEventAttributes!.input);
    expect(input.revision).toBe(5);
    expect(input.started).toMatchObject({ status: 'suspending', currentOperationId: suspend.operationId, lastError: null, event: { kind: 'operation.started' } });
    const steps = scheduled(child);
    expect(steps.map((s) => s.name)).toEqual(['stopServer', 'notifyCustomerAndBilling']);
    expect(steps[0]!.input.recordFirst).toEqual(input.started);
    expect(steps[1]!.input).not.toHaveProperty('recordFirst');
    expect(steps[1]!.input).toMatchObject({
      email: 'suspended',
      event: 'instance.suspended',
      status: 'suspended',
      // The success record, with "started" to write first should the first activity's copy have failed.
      finished: { status: 'suspended', currentOperationId: null, event: { kind: 'operation.succeeded', message: 'suspend succeeded' }, recordFirst: { event: { key: input.started!.event.key } } },
    });

    // The entity: no activity of its own for the whole operation.
    expect(scheduled(await entitySlice(instance, suspend.operationId))).toEqual([]);

    // The read model heard "started" once (the success write's copy changed nothing), before the end.
    expect(instance.statuses(suspend)).toEqual(['running', 'succeeded']);
    expect(instance.events().filter((kind) => kind.startsWith('operation.'))).toEqual(['operation.started', 'operation.succeeded', 'operation.started', 'operation.succeeded']);
    // The activity itself never sees the record.
    expect(instance.calls().find((c) => c.activity === 'stopServer')!.input).not.toHaveProperty('recordFirst');
    expect(instance.emails()).toEqual(['welcome', 'suspended']);
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.suspended']);
  });

  it('a failed "started" write does not fail the child\'s first activity: it runs, and the end brings the record', async () => {
    const instance = await h.running();
    // The interceptor's write fails once (logged); stopServer runs on its first attempt all the same.
    h.stubs.fail(instance.id, 'recordTransition', { times: 1, message: 'Postgres is restarting' });
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    // In order: the failed write, stopServer (not retried), the notices, then their write of "started" and of the success.
    expect(stepsFromFailedWrite(instance)).toEqual([
      'recordTransition operation.started: failed',
      'stopServer: ok',
      'notifyCustomerAndBilling: ok',
      'sendEmail: ok',
      'notifyBilling: ok',
      'recordTransition operation.started: ok',
      'recordTransition operation.succeeded: ok',
    ]);
    expect(instance.statuses(suspend)).toEqual(['running', 'succeeded']);
  });

  it('a failed success write retries the notices activity (its dedupe rows keep a notice from going out twice); the record lands once, the entity writes none', async () => {
    const instance = await h.running();
    // The first write ("started", by the interceptor) and the notices' first write of the success fail.
    h.stubs.fail(instance.id, 'recordTransition', { times: 2, message: 'Postgres is restarting' });
    const suspend = await instance.request('suspend');
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(stepsFromFailedWrite(instance)).toEqual([
      'recordTransition operation.started: failed',
      'stopServer: ok',
      'notifyCustomerAndBilling: ok',
      'sendEmail: ok',
      'notifyBilling: ok',
      'recordTransition operation.started: failed',
      'notifyCustomerAndBilling: ok',
      'sendEmail: ok',
      'notifyBilling: ok',
      'recordTransition operation.started: ok',
      'recordTransition operation.succeeded: ok',
    ]);
    expect(instance.statuses(suspend)).toEqual(['running', 'succeeded']);
    expect(scheduled(await entitySlice(instance, suspend.operationId))).toEqual([]);
  });

  it('a child that failed before "started" was written: the entity\'s attention write carries it; a retry does not write it again', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'recordTransition', { times: 1, message: 'Postgres is restarting' });
    h.stubs.fail(instance.id, 'stopServer', { times: 1, type: FailureType.ProviderRefused, nonRetryable: true, message: 'Hetzner 423: server is locked' });
    const suspend = await instance.request('suspend');
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toMatch(/Hetzner 423: server is locked/);
    await instance.untilState(() => instance.events().includes('instance.attention'), 'the attention record');
    const started = (record: TransitionRecord) => record.event.kind === 'operation.started' && record.currentOperationId === suspend.operationId;
    expect(instance.records().filter(started)).toHaveLength(1);
    expect(instance.events().slice(-2)).toEqual(['operation.started', 'instance.attention']);

    await instance.retry();
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.records().filter(started)).toHaveLength(1);
    expect(instance.statuses(suspend)).toEqual(['running', 'running', 'running', 'succeeded']);
  });

  it('a notice that fails says which side: the e-mail went out, the billing notice was refused', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'notifyBilling', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'billing webhook 400: unknown service' });
    const suspend = await instance.request('suspend');
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toBe("the billing notice (instance.suspended) failed: billing webhook 400: unknown service (the suspended e-mail went out; not retried; an operator's retry sends only what failed)");
    // Non-retryable: one attempt.
    expect(instance.calls().filter((c) => c.activity === 'notifyCustomerAndBilling' && c.input.operationId === suspend.operationId)).toHaveLength(1);
    h.stubs.heal(instance.id);
    await instance.retry();
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.billing()).toEqual(['instance.provisioned', 'instance.suspended']);
  });

  it('a refused e-mail is not sent again by the retry a transient billing failure earns; the billing notice going out leaves it alone: not retried', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'sendEmail', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'SMTP 550 mailbox unavailable' });
    h.stubs.fail(instance.id, 'notifyBilling', { times: 1, message: 'billing webhook 503' });
    const suspend = await instance.request('suspend');
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toBe("the suspended e-mail to the customer failed: SMTP 550 mailbox unavailable (the billing notice went out; not retried; an operator's retry sends only what failed)");
    // Two attempts of the notice; the e-mail was tried on the first only (the heartbeat remembered it).
    const notices = instance.calls().filter((c) => ['notifyCustomerAndBilling', 'sendEmail', 'notifyBilling'].includes(c.activity) && c.input.operationId === suspend.operationId);
    expect(notices.map((c) => (c.activity === 'notifyCustomerAndBilling' ? c.activity : `${c.activity}: ${c.outcome}`))).toEqual([
      'notifyCustomerAndBilling',
      'sendEmail: failed',
      'notifyBilling: failed',
      'notifyCustomerAndBilling',
      'notifyBilling: ok',
    ]);
    h.stubs.heal(instance.id);
    await instance.retry();
    expect(await instance.untilDone(suspend)).toEqual({ status: 'succeeded' });
    expect(instance.emails()).toEqual(['welcome', 'suspended']);
  });

  it('provision and terminate send their notices as one activity too', async () => {
    const instance = await h.running();
    const provision = scheduled(await historyOf(operationWorkflowId(instance.id, 'provision', 1)));
    expect(provision.map((s) => s.name)).toEqual(['ensureFirewall', 'createServer', 'waitForServerRunning', 'ensureDnsRecord', 'recordResources', 'notifyCustomerAndBilling']);
    expect(provision[0]!.input.recordFirst).toMatchObject({ event: { kind: 'operation.started' } });
    expect(provision.at(-1)!.input).toMatchObject({ email: 'welcome', event: 'instance.provisioned' });

    const terminate = await instance.request('terminate');
    expect(await instance.result()).toMatchObject({ status: 'terminated' });
    const steps = scheduled(await historyOf(operationWorkflowId(instance.id, 'terminate', terminate.seq)));
    expect(steps.map((s) => s.name)).toEqual(['deleteDnsRecord', 'deleteServer', 'deleteFirewall', 'deleteUnusedSshKeys', 'notifyCustomerAndBilling']);
    expect(steps.at(-1)!.input).toMatchObject({ email: 'terminated', event: 'instance.terminated', status: 'terminated' });
    expect(instance.emails()).toEqual(['welcome', 'terminated']);
  });
});
