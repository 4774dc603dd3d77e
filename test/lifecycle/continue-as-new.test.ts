// Continue-as-new (every 2 started operations here) carries the instance's state, its queue and the
// idempotency keys it has seen into the next run.
import { instanceWorkflowId } from '../../workflows/ids';
import { requestOperationSignal } from '../../workflows/messages';
import { createInstance, entityState, mailSubjects, operationsOf, requestOperation, untilEntity, untilOperationDone, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { serversOf } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ entity: { continueAsNewAfterOperations: 2 } });
});
afterAll(() => stack?.close());

async function runIds(workflowId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) ids.push(execution.runId);
  return ids;
}

describe('continue-as-new', () => {
  it('keeps state, queue and idempotency keys across runs', async () => {
    const created = await createInstance(stack, { plan: 'starter' });
    await untilStatus(stack, created.id, 'running');
    const workflowId = instanceWorkflowId(created.id);
    const firstRun = (await stack.client.workflow.getHandle(workflowId).describe()).runId;

    // Five requests at once: the run continues as new after each two, with the rest still queued.
    const ops = [];
    ops.push(await requestOperation(stack, created.id, 'suspend', undefined, 'key-suspend'));
    ops.push(await requestOperation(stack, created.id, 'resize', { plan: 'professional' }, 'key-resize'));
    ops.push(await requestOperation(stack, created.id, 'unsuspend'));
    ops.push(await requestOperation(stack, created.id, 'reboot'));
    ops.push(await requestOperation(stack, created.id, 'suspend'));
    const done = [];
    for (const op of ops) done.push(await untilOperationDone(stack, created.id, op.id));
    expect(done.map((o) => [o.type, o.status])).toEqual([
      ['suspend', 'succeeded'],
      ['resize', 'succeeded'],
      ['unsuspend', 'succeeded'],
      ['reboot', 'succeeded'],
      ['suspend', 'succeeded'],
    ]);
    await untilStatus(stack, created.id, 'suspended');

    // Provision + 5 operations with a threshold of 2: at least three runs.
    const runs = await eventually(async () => {
      const ids = await runIds(workflowId);
      return ids.length >= 3 ? ids : undefined;
    });
    expect(runs).toContain(firstRun);
    const first = await stack.client.workflow.getHandle(workflowId, firstRun).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');

    // The newest run knows the state the first one built (once it has taken in the last child's end).
    const state = await untilEntity(stack, created.id, (s) => s.current === undefined, 'the entity past its last operation');
    expect(state).toMatchObject({ status: 'suspended', plan: 'professional', queue: [], resources: { serverType: 'cpx32', serverId: serversOf(stack.sandbox, created.id)[0]!.id } });
    expect(state.resources.ipAddress).toMatch(/^203\.0\.113\./);

    // A key seen two runs ago still answers with its first operation: straight to the workflow,
    // with a fresh operation id, nothing new is queued or run.
    const before = (await operationsOf(stack, created.id)).length;
    await stack.client.workflow.getHandle(workflowId).signal(requestOperationSignal, {
      operationId: 'replayed-suspend',
      type: 'resize',
      seq: 500,
      args: { plan: 'enterprise' },
      idempotencyKey: 'key-resize',
      requestedBy: 'test',
    });
    // The API answers the same key with the same operation too.
    const again = await requestOperation(stack, created.id, 'suspend', undefined, 'key-suspend');
    expect(again.id).toBe(ops[0]!.id);
    // Something after them still runs, so the signal above has surely been handled.
    const unsuspend = await requestOperation(stack, created.id, 'unsuspend');
    expect(await untilOperationDone(stack, created.id, unsuspend.id)).toMatchObject({ status: 'succeeded' });
    expect((await operationsOf(stack, created.id)).length).toBe(before + 1);
    expect((await entityState(stack, created.id)).plan).toBe('professional');
    expect(mailSubjects(stack, created).filter((s) => s.endsWith('is suspended'))).toHaveLength(2);
  });
});
