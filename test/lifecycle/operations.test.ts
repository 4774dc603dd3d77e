// Every operation from every state it is allowed from, through the real API, worker, Temporal and
// sandbox; refusals recorded as `rejected` with a reason; queue order; idempotency keys.
import { instanceWorkflowIds } from '../support/histories';
import {
  billingEvents,
  createInstance,
  entityState,
  getInstance,
  mailSubjects,
  operationsOf,
  requestOperation,
  untilOperationDone,
  untilStatus,
  type Created,
} from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { serversOf } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

async function running(overrides: Record<string, unknown> = {}): Promise<Created> {
  const created = await createInstance(stack, overrides);
  await untilStatus(stack, created.id, 'running');
  return created;
}

async function run(created: Created, op: Parameters<typeof requestOperation>[2], body?: Record<string, unknown>) {
  const operation = await requestOperation(stack, created.id, op, body);
  return untilOperationDone(stack, created.id, operation.id);
}

const server = (created: Created) => {
  const [only, ...more] = serversOf(stack.sandbox, created.id);
  expect(more).toEqual([]);
  return only!;
};

describe('every operation from every state it is allowed from', () => {
  it('runs reboot, resize (running and suspended), suspend, unsuspend and terminate with snapshot on one instance', async () => {
    const created = await running({ plan: 'starter' });
    expect(server(created)).toMatchObject({ status: 'running', server_type: { name: 'cpx22' } });

    // reboot: running → running
    expect(await run(created, 'reboot')).toMatchObject({ status: 'succeeded', error: null });
    expect((await getInstance(stack, created.id)).status).toBe('running');
    expect(stack.sandbox.state().actions.filter((a) => a['command'] === 'reboot_server')).toHaveLength(1);

    // resize from running: stopped, changed keeping the disk, started again
    expect(await run(created, 'resize', { plan: 'professional' })).toMatchObject({ status: 'succeeded' });
    let instance = await untilStatus(stack, created.id, 'running');
    expect(instance).toMatchObject({ plan: 'professional', server: { type: 'cpx32' } });
    expect(server(created)).toMatchObject({ status: 'running', server_type: { name: 'cpx32' }, primary_disk_size: 80 });

    // suspend: running → suspended
    expect(await run(created, 'suspend')).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'suspended');
    expect(server(created).status).toBe('off');

    // resize from suspended: changed, left off; then back down (the disk was kept, so it fits)
    expect(await run(created, 'resize', { plan: 'enterprise' })).toMatchObject({ status: 'succeeded' });
    instance = await untilStatus(stack, created.id, 'suspended');
    expect(instance).toMatchObject({ plan: 'enterprise', server: { type: 'cpx42' } });
    expect(server(created)).toMatchObject({ status: 'off', server_type: { name: 'cpx42' } });
    expect(await run(created, 'resize', { plan: 'starter' })).toMatchObject({ status: 'succeeded' });
    expect(server(created)).toMatchObject({ status: 'off', server_type: { name: 'cpx22' } });

    // unsuspend: suspended → running
    expect(await run(created, 'unsuspend')).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'running');
    expect(server(created).status).toBe('running');

    // terminate from running, with a snapshot first
    expect(await run(created, 'terminate', { snapshot: true })).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'terminated');
    expect(serversOf(stack.sandbox, created.id)).toEqual([]);
    expect(stack.sandbox.state().dns_records.filter((r) => r['name'] === created.fqdn)).toEqual([]);
    expect(stack.sandbox.state().images.filter((i) => String(i['description']).includes(created.hostname))).toHaveLength(1);

    expect(mailSubjects(stack, created)).toEqual([
      expect.stringMatching(/is ready$/),
      expect.stringMatching(/is suspended$/),
      expect.stringMatching(/is back online$/),
      expect.stringMatching(/has been removed$/),
    ]);
    expect(billingEvents(stack, created.id)).toEqual([
      'instance.provisioned',
      'instance.rebooted',
      'instance.resized',
      'instance.suspended',
      'instance.resized',
      'instance.resized',
      'instance.unsuspended',
      'instance.terminated',
    ]);
    // The entity completed; every operation is a child named instance-<id>/<op>-<n>.
    const ids = (await instanceWorkflowIds(stack.client, created.id)).sort();
    expect(ids).toEqual(
      [`instance-${created.id}`, ...(await operationsOf(stack, created.id)).map((o) => `instance-${created.id}/${o.type}-${o.seq}`)].sort(),
    );
    expect(await stack.client.workflow.getHandle(`instance-${created.id}`).result()).toMatchObject({ status: 'terminated' });
  });

  it('terminates a suspended instance, with its e-mail and webhook, and takes no snapshot unless asked', async () => {
    const created = await running();
    await run(created, 'suspend');
    expect(await run(created, 'terminate')).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'terminated');
    expect(serversOf(stack.sandbox, created.id)).toEqual([]);
    expect(stack.sandbox.state().images.filter((i) => String(i['description']).includes(created.hostname))).toEqual([]);
    expect(mailSubjects(stack, created).at(-1)).toMatch(/has been removed$/);
    expect(billingEvents(stack, created.id).at(-1)).toBe('instance.terminated');
  });

  it('treats suspend of a suspended, unsuspend of a running and resize to the same plan as no-ops', async () => {
    const created = await running({ plan: 'professional' });
    const sameResize = await run(created, 'resize', { plan: 'professional' });
    const unsuspend = await run(created, 'unsuspend');
    await run(created, 'suspend');
    const suspendAgain = await run(created, 'suspend');
    for (const op of [sameResize, unsuspend, suspendAgain]) expect(op).toMatchObject({ status: 'succeeded', error: null });
    // No-ops touch nothing: no child workflow, no e-mail, no webhook, no Hetzner action.
    expect(mailSubjects(stack, created).filter((s) => /suspended|back online/.test(s))).toEqual([expect.stringMatching(/is suspended$/)]);
    expect(billingEvents(stack, created.id)).toEqual(['instance.provisioned', 'instance.suspended']);
    const ids = await instanceWorkflowIds(stack.client, created.id);
    expect(ids.filter((w) => w.includes('/resize-') || w.includes('/unsuspend-'))).toEqual([]);
    expect(server(created).server_type.name).toBe('cpx32');
  });

  it('refuses a resize that would shrink the disk, with a clear reason, and leaves the instance running', async () => {
    const created = await running({ plan: 'professional' });
    const resize = await run(created, 'resize', { plan: 'starter' });
    expect(resize.status).toBe('failed');
    expect(resize.error).toMatch(/disk is 160 GB.*cannot shrink/);
    const instance = await untilStatus(stack, created.id, 'running');
    expect(instance.plan).toBe('professional');
    // Refused before anything was stopped.
    const { id: serverId } = server(created);
    expect(server(created)).toMatchObject({ status: 'running', server_type: { name: 'cpx32' } });
    const actionsOnServer = stack.sandbox.state().actions.filter((a) => (a['resources'] as { id: number }[]).some((r) => r.id === serverId));
    expect(actionsOnServer.map((a) => a['command'])).toEqual(['create_server', 'start_server']);
  });
});

describe('the queue', () => {
  it('runs queued operations in request order, each checked against the state it meets', async () => {
    const created = await running();
    // Asked one after another while the first is still running: they queue.
    const suspend = await requestOperation(stack, created.id, 'suspend');
    const reboot = await requestOperation(stack, created.id, 'reboot');
    const unsuspend = await requestOperation(stack, created.id, 'unsuspend');
    const reboot2 = await requestOperation(stack, created.id, 'reboot');
    const done = [];
    for (const op of [suspend, reboot, unsuspend, reboot2]) done.push(await untilOperationDone(stack, created.id, op.id));
    expect(done.map((o) => [o.type, o.status])).toEqual([
      ['suspend', 'succeeded'],
      ['reboot', 'rejected'],
      ['unsuspend', 'succeeded'],
      ['reboot', 'succeeded'],
    ]);
    expect(done[1].error).toBe('reboot is not allowed while the instance is suspended');
    const started = done.filter((o) => o.started_at).map((o) => Date.parse(o.started_at));
    expect(started).toEqual([...started].sort((a, b) => a - b));
    await untilStatus(stack, created.id, 'running');
  });

  it('drops queued operations on terminate and rejects what arrives after it', async () => {
    const created = await running();
    const suspend = await requestOperation(stack, created.id, 'suspend');
    const reboot = await requestOperation(stack, created.id, 'reboot');
    const terminate = await requestOperation(stack, created.id, 'terminate');
    const late = await requestOperation(stack, created.id, 'unsuspend');
    // The suspend in flight finishes first; the queued reboot is dropped; what came after terminate is refused.
    expect(await untilOperationDone(stack, created.id, terminate.id)).toMatchObject({ status: 'succeeded' });
    const statuses = Object.fromEntries((await operationsOf(stack, created.id)).map((o) => [o.id, [o.status, o.error]]));
    expect(statuses[suspend.id]?.[0]).toMatch(/succeeded|cancelled/);
    expect(statuses[reboot.id]).toEqual(['cancelled', expect.stringContaining('terminate')]);
    expect(await untilOperationDone(stack, created.id, late.id)).toMatchObject({ status: 'rejected', error: 'the instance is terminated' });
    await untilStatus(stack, created.id, 'terminated');
    expect(serversOf(stack.sandbox, created.id)).toEqual([]);
    // A terminated instance refuses everything at once (the API's early 409).
    const refused = await stack.call('POST', `/api/instances/${created.id}/reboot`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_TRANSITION');
  });
});

describe('idempotency keys', () => {
  it('turns concurrent requests with one key into one operation, one child, one e-mail', async () => {
    const created = await running();
    const answers = await Promise.all([1, 2, 3].map(() => requestOperation(stack, created.id, 'suspend', undefined, 'suspend-once')));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    await untilOperationDone(stack, created.id, answers[0]!.id);
    // Straight to the workflow, as a racing API instance would: the same key with a new id and seq.
    await stack.client.workflow.getHandle(`instance-${created.id}`).signal('requestOperation', {
      operationId: 'another-id',
      type: 'suspend',
      seq: 99,
      args: {},
      idempotencyKey: 'suspend-once',
      requestedBy: 'test',
    });
    await untilStatus(stack, created.id, 'suspended');
    const state = await entityState(stack, created.id);
    expect(state.queue).toEqual([]);
    expect((await operationsOf(stack, created.id)).filter((o) => o.type === 'suspend')).toHaveLength(1);
    expect((await instanceWorkflowIds(stack.client, created.id)).filter((w) => w.includes('/suspend-'))).toHaveLength(1);
    expect(mailSubjects(stack, created).filter((s) => s.endsWith('is suspended'))).toHaveLength(1);
    expect(billingEvents(stack, created.id).filter((e) => e === 'instance.suspended')).toHaveLength(1);
  });
});
