// An operation that cannot finish on its own parks the instance in `attention` until an operator
// signals retry, skip or abort; each resumes the instance correctly.
import { instanceWorkflowId } from '../../workflows/ids';
import { abortSignal, retrySignal, skipSignal } from '../../workflows/messages';
import { billingEvents, createInstance, entityState, leftovers, mailSubjects, requestOperation, untilEntity, untilOperationDone, untilStatus, type Created } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { serversOf } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const forbidden = (action: string) => ({ route: `POST /v1/servers/:id/actions/${action}`, errorRate: 1, status: 403, code: 'forbidden', message: 'project is locked' });
const handle = (created: Created) => stack.client.workflow.getHandle(instanceWorkflowId(created.id));

async function inAttention(created: Created, op: string) {
  const state = await untilEntity(stack, created.id, (s) => s.status === 'attention', `instance ${created.id} to need an operator`);
  expect(state.attention).toMatchObject({ operation: { type: op, status: 'running' }, error: expect.stringContaining('403 forbidden') });
  expect(state.lastError).toContain('Retrying will not help');
  // The API shows it too (current_operation stays the stuck one).
  const view = await eventually(async () => {
    const body = (await stack.call('GET', `/api/instances/${created.id}`)).body;
    return body?.status === 'attention' ? body : undefined;
  });
  expect(view).toMatchObject({ current_operation: { type: op, status: 'running' } });
}

describe('an instance in attention', () => {
  afterEach(() => {
    stack.sandbox.setFaults([]);
    stack.billingAnswer.status = 204;
  });

  it('runs the operation again on retry, once the cause is fixed', async () => {
    const created = await createInstance(stack);
    await untilStatus(stack, created.id, 'running');
    stack.sandbox.setFaults([forbidden('shutdown')]);
    const suspend = await requestOperation(stack, created.id, 'suspend');
    await inAttention(created, 'suspend');
    // While it waits, other requests queue behind it.
    const reboot = await requestOperation(stack, created.id, 'reboot');
    expect((await entityState(stack, created.id)).queue).toEqual([expect.objectContaining({ type: 'reboot' })]);

    stack.sandbox.setFaults([]);
    await handle(created).signal(retrySignal, { operator: 'test', reason: 'fixed the project lock' });
    expect(await untilOperationDone(stack, created.id, suspend.id)).toMatchObject({ status: 'succeeded' });
    expect(await untilOperationDone(stack, created.id, reboot.id)).toMatchObject({ status: 'rejected' });
    await untilStatus(stack, created.id, 'suspended');
    expect(serversOf(stack.sandbox, created.id)[0]!.status).toBe('off');
    expect(mailSubjects(stack, created).filter((s) => s.endsWith('is suspended'))).toHaveLength(1);
    expect((await entityState(stack, created.id)).lastError).toBeUndefined();
  });

  it('marks the operation failed on skip and goes back to the state it started from', async () => {
    const created = await createInstance(stack);
    await untilStatus(stack, created.id, 'running');
    stack.sandbox.setFaults([forbidden('reboot')]);
    const reboot = await requestOperation(stack, created.id, 'reboot');
    await inAttention(created, 'reboot');
    await handle(created).signal(skipSignal, { operator: 'test' });
    expect(await untilOperationDone(stack, created.id, reboot.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^skipped by an operator after: .*403 forbidden/) });
    const instance = await untilStatus(stack, created.id, 'running');
    expect(instance.last_error).toMatch(/^skipped/);
    // And it works normally afterwards.
    stack.sandbox.setFaults([]);
    const suspend = await requestOperation(stack, created.id, 'suspend');
    expect(await untilOperationDone(stack, created.id, suspend.id)).toMatchObject({ status: 'succeeded' });
    expect(billingEvents(stack, created.id)).toEqual(['instance.provisioned', 'instance.suspended']);
  });

  it('terminates on abort: the operation fails, the server and record are deleted, the entity completes', async () => {
    const created = await createInstance(stack);
    await untilStatus(stack, created.id, 'running');
    stack.sandbox.setFaults([forbidden('shutdown')]);
    const resize = await requestOperation(stack, created.id, 'resize', { plan: 'professional' });
    await inAttention(created, 'resize');
    stack.sandbox.setFaults([]);
    await handle(created).signal(abortSignal, { operator: 'test' });
    expect(await untilOperationDone(stack, created.id, resize.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^aborted by an operator/) });
    await untilStatus(stack, created.id, 'terminated');
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
    expect(await handle(created).result()).toMatchObject({ status: 'terminated' });
    expect(mailSubjects(stack, created).at(-1)).toMatch(/has been removed$/);
  });

  it('takes a terminate request while waiting as the abort', async () => {
    const created = await createInstance(stack);
    await untilStatus(stack, created.id, 'running');
    stack.sandbox.setFaults([forbidden('shutdown')]);
    await requestOperation(stack, created.id, 'suspend');
    await inAttention(created, 'suspend');
    stack.sandbox.setFaults([]);
    const terminate = await requestOperation(stack, created.id, 'terminate');
    expect(await untilOperationDone(stack, created.id, terminate.id)).toMatchObject({ status: 'succeeded' });
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
  });

  it('resumes a provision whose VPS was ready but whose billing notice was refused, without a second server', async () => {
    stack.billingAnswer.status = 400;
    const created = await createInstance(stack);
    const state = await untilEntity(stack, created.id, (s) => s.status === 'attention', 'the provision to need an operator');
    expect(state.attention?.error).toMatch(/is up and ready, but .*billing webhook 400/);
    stack.billingAnswer.status = 204;
    await handle(created).signal(retrySignal, {});
    const instance = await untilStatus(stack, created.id, 'running');
    expect(instance.ip_address).toBeTruthy();
    expect(leftovers(stack, created)).toEqual({ servers: 1, records: 1 });
    expect(mailSubjects(stack, created)).toEqual([expect.stringMatching(/is ready$/)]);
    expect(stack.billingCalls.filter((c) => c.body.instance_id === created.id && c.body.event === 'instance.provisioned').map((c) => c.headers['idempotency-key'])).toEqual([
      expect.any(String),
      expect.any(String),
    ]);
  });
});
