import { randomUUID } from 'node:crypto';
import { HEALTH_MONITOR } from '../../workflows/fleet-types';
import { instanceWorkflowId } from '../../workflows/ids';
import { createBody, rowCounts, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => h.client.reset());

async function runningInstance(): Promise<string> {
  const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  await setStatus(h.db.handle, res.body.id, 'running');
  h.client.reset();
  return res.body.id as string;
}

describe.each([
  ['suspend', 'post', 'suspend', { reason: 'invoice overdue' }, { reason: 'invoice overdue' }],
  ['unsuspend', 'post', 'unsuspend', undefined, {}],
  ['reboot', 'post', 'reboot', {}, {}],
  ['resize', 'post', 'resize', { plan: 'professional' }, { plan: 'professional' }],
  ['terminate', 'delete', '', { snapshot: true }, { snapshot: true }],
] as const)('%s', (type, method, suffix, body, args) => {
  const path = (id: string) => (suffix ? `/api/instances/${id}/${suffix}` : `/api/instances/${id}`);

  it('signals the entity workflow, then records a queued operation with the next seq', async () => {
    const id = await runningInstance();
    const key = `${type}-${id}`;
    const res = await signed(h.app, method, path(id), body, { idempotencyKey: key }).expect(202);
    expect(res.body).toEqual({
      operation: expect.objectContaining({
        id: expect.any(String),
        type,
        seq: 2,
        status: 'queued',
        workflow_id: `instance-${id}/${type}-2`,
        args,
        requested_by: 'whmcs:billing-1',
      }),
    });
    expect(h.client.signals).toEqual([
      {
        workflowId: instanceWorkflowId(id),
        signal: 'requestOperation',
        args: [{ operationId: res.body.operation.id, type, seq: 2, args, idempotencyKey: key, requestedBy: 'whmcs:billing-1' }],
      },
    ]);
    expect(h.client.starts).toHaveLength(0);
  });

  it('refuses any request on a terminated instance with 409 INVALID_TRANSITION and signals nothing', async () => {
    const id = await runningInstance();
    await setStatus(h.db.handle, id, 'terminated');
    const before = await rowCounts(h.db.handle);
    const res = await signed(h.app, method, path(id), body).expect(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
    expect(h.client.signals).toHaveLength(0);
    expect(await rowCounts(h.db.handle)).toEqual(before);
  });

  it('answers 404 NOT_FOUND for an unknown instance', async () => {
    const res = await signed(h.app, method, path('7d0c3f2e-1111-4222-8333-944455556666'), body).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 503 UNAVAILABLE and records nothing when the signal cannot be sent', async () => {
    const id = await runningInstance();
    h.client.signalBehaviour = 'unavailable';
    const before = await rowCounts(h.db.handle);
    const res = await signed(h.app, method, path(id), body).expect(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    expect(await rowCounts(h.db.handle)).toEqual(before);
  });

  it('refuses an unknown field with 400', async () => {
    const id = await runningInstance();
    const res = await signed(h.app, method, path(id), { ...(body ?? {}), force: true }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(h.client.signals).toHaveLength(0);
  });
});

describe('early 409 and the workflow as the authority', () => {
  it('queues a suspend on a provisioning instance: the entity workflow decides when its turn comes', async () => {
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    await signed(h.app, 'post', `/api/instances/${created.body.id}/suspend`).expect(202);
  });

  it('refuses everything but terminate on a failed instance', async () => {
    const id = await runningInstance();
    await setStatus(h.db.handle, id, 'failed');
    for (const op of ['suspend', 'unsuspend', 'reboot']) {
      const res = await signed(h.app, 'post', `/api/instances/${id}/${op}`).expect(409);
      expect(res.body.error.code).toBe('INVALID_TRANSITION');
    }
    await signed(h.app, 'post', `/api/instances/${id}/resize`, { plan: 'enterprise' }).expect(409);
    await signed(h.app, 'delete', `/api/instances/${id}`).expect(202);
  });

  it('refuses a resize to a plan not in the catalog with 409 INVALID_TRANSITION, a non-string plan with 400', async () => {
    const id = await runningInstance();
    const unknown = await signed(h.app, 'post', `/api/instances/${id}/resize`, { plan: 'mega' }).expect(409);
    expect(unknown.body.error.code).toBe('INVALID_TRANSITION');
    const wrongType = await signed(h.app, 'post', `/api/instances/${id}/resize`, { plan: 3 }).expect(400);
    expect(wrongType.body.error.code).toBe('VALIDATION_ERROR');
    await signed(h.app, 'post', `/api/instances/${id}/resize`).expect(400);
    expect(h.client.signals).toHaveLength(0);
  });

  it("answers 409 when the instance's workflow has ended", async () => {
    const id = await runningInstance();
    h.client.signalBehaviour = 'not-found';
    const res = await signed(h.app, 'post', `/api/instances/${id}/reboot`).expect(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
  });

  it('hands out increasing seqs, one per request', async () => {
    const id = await runningInstance();
    const seqs: number[] = [];
    for (const op of ['reboot', 'suspend', 'unsuspend']) {
      const res = await signed(h.app, 'post', `/api/instances/${id}/${op}`).expect(202);
      seqs.push(res.body.operation.seq);
    }
    expect(seqs).toEqual([2, 3, 4]);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same operation for the same key and body, and signals once', async () => {
    const id = await runningInstance();
    const first = await signed(h.app, 'post', `/api/instances/${id}/suspend`, { reason: 'x' }, { idempotencyKey: 'k-1' }).expect(202);
    const again = await signed(h.app, 'post', `/api/instances/${id}/suspend`, { reason: 'x' }, { idempotencyKey: 'k-1' }).expect(202);
    expect(again.body).toEqual(first.body);
    expect(h.client.signals).toHaveLength(1);
    expect(h.client.signals[0]!.args[0]).toMatchObject({ idempotencyKey: 'k-1' });
  });

  it('answers 409 CONFLICT for the same key with another body or another operation', async () => {
    const id = await runningInstance();
    await signed(h.app, 'post', `/api/instances/${id}/suspend`, { reason: 'x' }, { idempotencyKey: 'k-2' }).expect(202);
    const otherBody = await signed(h.app, 'post', `/api/instances/${id}/suspend`, { reason: 'y' }, { idempotencyKey: 'k-2' }).expect(409);
    expect(otherBody.body.error.code).toBe('CONFLICT');
    const otherOp = await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: 'k-2' }).expect(409);
    expect(otherOp.body.error.code).toBe('CONFLICT');
    expect(h.client.signals).toHaveLength(1);
  });

  it('gives one operation to concurrent requests with the same key', async () => {
    const id = await runningInstance();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => signed(h.app, 'post', `/api/instances/${id}/reboot`, {}, { idempotencyKey: 'k-race' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(new Set(answers.map((a) => a.body.operation.id)).size).toBe(1);
    // Every signal names the same operation, so whichever the workflow keeps is the recorded one.
    expect(new Set(h.client.signals.map((s) => (s.args[0] as { operationId: string }).operationId))).toEqual(new Set([answers[0]!.body.operation.id]));
    const [row] = await h.db.handle.sql`select count(*)::int as n from operations where instance_id = ${id} and idempotency_key = 'k-race'`;
    expect(row!.n).toBe(1);
  });

  it('scopes keys to the instance', async () => {
    const a = await runningInstance();
    const b = await runningInstance();
    await signed(h.app, 'post', `/api/instances/${a}/reboot`, undefined, { idempotencyKey: 'shared' }).expect(202);
    await signed(h.app, 'post', `/api/instances/${b}/reboot`, undefined, { idempotencyKey: 'shared' }).expect(202);
    expect(h.client.signals).toHaveLength(2);
  });

  it("refuses the key the entity workflow holds for the provision with 409, instead of losing the request", async () => {
    const id = await runningInstance();
    const res = await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: 'provision' }).expect(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(h.client.signals).toHaveLength(0);
  });

  it('refuses a malformed key with 400', async () => {
    const id = await runningInstance();
    const res = await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: 'x'.repeat(201) }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('GET /api/instances/:id/operations[/:op_id]', () => {
  it('lists operations by seq and reads one', async () => {
    const id = await runningInstance();
    await signed(h.app, 'post', `/api/instances/${id}/reboot`).expect(202);
    const suspend = await signed(h.app, 'post', `/api/instances/${id}/suspend`).expect(202);
    await h.db.handle.sql`update operations set status = 'rejected', error = 'suspend is not allowed while the instance is rebooting' where id = ${suspend.body.operation.id}`;
    const list = await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200);
    expect(list.body.operations.map((o: { type: string; seq: number }) => [o.type, o.seq])).toEqual([
      ['provision', 1],
      ['reboot', 2],
      ['suspend', 3],
    ]);
    const one = await signed(h.app, 'get', `/api/instances/${id}/operations/${suspend.body.operation.id}`).expect(200);
    expect(one.body).toMatchObject({ id: suspend.body.operation.id, status: 'rejected', error: expect.stringContaining('not allowed') });
  });

  it('names who asked for each operation, the health monitor included', async () => {
    const id = await runningInstance();
    await signed(h.app, 'post', `/api/instances/${id}/reboot`).expect(202);
    // What the worker records for an automatic reboot it queued through the entity.
    await h.db.handle.sql`insert into operations (id, instance_id, seq, type, status, workflow_id, requested_by, args)
      values (${randomUUID()}, ${id}, 3, 'reboot', 'queued', ${`instance-${id}/reboot-3`}, ${HEALTH_MONITOR}, ${JSON.stringify({ reason: 'health: 10 checks failed in a row' })}::jsonb)`;
    const list = await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200);
    expect(list.body.operations.map((o: { seq: number; requested_by: string }) => [o.seq, o.requested_by])).toEqual([
      [1, 'whmcs:billing-1'],
      [2, 'whmcs:billing-1'],
      [3, 'health-monitor'],
    ]);
  });

  it("answers 404 for an unknown instance or another instance's operation", async () => {
    const a = await runningInstance();
    const b = await runningInstance();
    const op = await signed(h.app, 'post', `/api/instances/${a}/reboot`).expect(202);
    await signed(h.app, 'get', `/api/instances/7d0c3f2e-1111-4222-8333-944455556666/operations`).expect(404);
    const res = await signed(h.app, 'get', `/api/instances/${b}/operations/${op.body.operation.id}`).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    await signed(h.app, 'get', `/api/instances/${a}/operations/nope`).expect(404);
  });
});
