// Limits the API holds for the operator: hostnames it keeps for itself, a bound on each instance's
// queue, and the operations list read a page at a time.
import { createApp } from '../../api/app';
import { instanceWorkflowId } from '../../workflows/ids';
import { createBody, rowCounts, setStatus, signed, startHarness, testConfig, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: testConfig({ API_MAX_QUEUED_OPERATIONS: '3' }) });
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

describe('reserved hostnames', () => {
  it.each([['www'], ['billing'], ['api'], ['hostflow'], ['mail']])('refuses "%s" with 409 before anything is written or started', async (hostname) => {
    const before = await rowCounts(h.db.handle);
    const res = await signed(h.app, 'post', '/api/instances', createBody({ hostname })).expect(409);
    expect(res.body.error).toEqual({ code: 'CONFLICT', message: expect.stringContaining('reserved'), details: [{ path: 'hostname', message: 'reserved' }] });
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.client.starts).toHaveLength(0);
  });

  it('takes its list from RESERVED_HOSTNAMES', async () => {
    const app = createApp({ ...h.deps, config: testConfig({ RESERVED_HOSTNAMES: 'acme-shop' }) });
    await signed(app, 'post', '/api/instances', createBody({ hostname: 'acme-shop' })).expect(409);
    await signed(app, 'post', '/api/instances', createBody({ hostname: 'www' })).expect(202);
  });
});

describe('the queue bound (API_MAX_QUEUED_OPERATIONS)', () => {
  it('refuses a fourth queued operation with 429 and Retry-After, still accepts terminate and a retried key', async () => {
    const id = await runningInstance();
    for (const key of ['r1', 'r2']) await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: key }).expect(202);
    // With the provision row, three operations are queued now.
    const refused = await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: 'r3' }).expect(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(refused.body.error.message).toMatch(/3 queued operations/);
    expect(refused.headers['retry-after']).toBe('60');

    const retried = await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: 'r2' }).expect(202);
    expect(retried.body.operation.seq).toBe(3);
    await signed(h.app, 'delete', `/api/instances/${id}`, undefined, { idempotencyKey: 't1' }).expect(202);
    expect(h.client.signals.map((s) => [s.workflowId, (s.args[0] as { type: string }).type])).toEqual([
      [instanceWorkflowId(id), 'reboot'],
      [instanceWorkflowId(id), 'reboot'],
      [instanceWorkflowId(id), 'terminate'],
    ]);
  });
});

describe('GET /api/instances/:id/operations, a page at a time', () => {
  it('pages by seq with limit and after_seq', async () => {
    const id = await runningInstance();
    await h.db.handle.sql`update operations set status = 'succeeded' where instance_id = ${id}`;
    for (let i = 0; i < 4; i++) {
      await signed(h.app, 'post', `/api/instances/${id}/reboot`, undefined, { idempotencyKey: `p${i}` }).expect(202);
      await h.db.handle.sql`update operations set status = 'succeeded' where instance_id = ${id}`;
    }
    const first = await signed(h.app, 'get', `/api/instances/${id}/operations?limit=2`).expect(200);
    expect(first.body.operations.map((o: { seq: number }) => o.seq)).toEqual([1, 2]);
    expect(first.body.next_after_seq).toBe(2);
    const second = await signed(h.app, 'get', `/api/instances/${id}/operations?limit=2&after_seq=2`).expect(200);
    expect(second.body.operations.map((o: { seq: number }) => o.seq)).toEqual([3, 4]);
    const last = await signed(h.app, 'get', `/api/instances/${id}/operations?limit=2&after_seq=4`).expect(200);
    expect(last.body).toEqual({ operations: [expect.objectContaining({ seq: 5 })], next_after_seq: null });
    const all = await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200);
    expect(all.body.operations).toHaveLength(5);
  });

  it.each([['limit=0'], ['limit=201'], ['limit=abc'], ['after_seq=-1'], ['cursor=1']])('refuses %s with 400', async (query) => {
    const id = await runningInstance();
    const res = await signed(h.app, 'get', `/api/instances/${id}/operations?${query}`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});
