// The API keeps accepting while every worker is down: requests are signals, which Temporal keeps
// until a worker picks them up. Runs the real stack (Temporal dev server, worker, sandbox).
import { eventually, startStack, type Stack } from '../support/stack';
import { serversOf } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(() => stack?.close());

let serviceId = 700_000 + (process.pid % 1000) * 100;

async function operations(id: string): Promise<{ type: string; status: string; seq: number }[]> {
  const answer = await stack.call('GET', `/api/instances/${id}/operations`);
  return answer.body.operations;
}

describe('with every worker down', () => {
  it('accepts and queues creates and operations, which complete once a worker starts', async () => {
    const first = await stack.call('POST', '/api/instances', {
      whmcs_service_id: ++serviceId,
      whmcs_client_id: 5,
      email: 'queued@example.com',
      plan: 'starter',
      region: 'eu-helsinki',
    });
    expect(first.status).toBe(202);
    const id: string = first.body.id;
    const second = await stack.call('POST', '/api/instances', {
      whmcs_service_id: ++serviceId,
      whmcs_client_id: 5,
      email: 'queued2@example.com',
      plan: 'starter',
      region: 'eu-helsinki',
    });
    expect(second.status).toBe(202);

    // Queued behind the provision: the entity workflow will run them in order.
    const suspend = await stack.call('POST', `/api/instances/${id}/suspend`, { reason: 'queued while down' }, { 'Idempotency-Key': 'down-1' });
    expect(suspend.status).toBe(202);
    const resize = await stack.call('POST', `/api/instances/${id}/resize`, { plan: 'professional' });
    expect(resize.status).toBe(202);
    const again = await stack.call('POST', `/api/instances/${id}/suspend`, { reason: 'queued while down' }, { 'Idempotency-Key': 'down-1' });
    expect(again.body.operation.id).toBe(suspend.body.operation.id);

    // Nothing has run: no server exists yet, the instance is still provisioning.
    expect(serversOf(stack.sandbox, id)).toHaveLength(0);
    expect((await stack.call('GET', `/api/instances/${id}`)).body.status).toBe('provisioning');
    expect((await operations(id)).map((o) => [o.type, o.status])).toEqual([
      ['provision', 'queued'],
      ['suspend', 'queued'],
      ['resize', 'queued'],
    ]);

    await stack.startWorker();

    const done = await eventually(
      async () => {
        const ops = await operations(id);
        return ops.every((o) => o.status === 'succeeded') ? ops : undefined;
      },
      { what: 'all three operations to succeed', timeoutMs: 45_000 },
    );
    expect(done.map((o) => [o.type, o.seq])).toEqual([
      ['provision', 1],
      ['suspend', 2],
      ['resize', 3],
    ]);
    const instance = (await stack.call('GET', `/api/instances/${id}`)).body;
    expect(instance).toMatchObject({ status: 'suspended', plan: 'professional', server: { type: 'cpx32' } });
    expect(serversOf(stack.sandbox, id)).toEqual([expect.objectContaining({ status: 'off', server_type: expect.objectContaining({ name: 'cpx32' }) })]);
    await eventually(async () => ((await stack.call('GET', `/api/instances/${second.body.id}`)).body.status === 'running' ? true : undefined), {
      what: 'the second instance to run',
    });
  });
});
