// recordTransition (activities/records.ts) is idempotent by its event key: a record whose key is
// already written changes nothing. Revision 4's "operation started" may reach it more than once
// (the child's first activity, each of its attempts, the entity's next write, a retried child),
// and must never write over what was recorded after it.
import { createRecordActivities } from '../../activities/records';
import type { TransitionRecord } from '../../workflows/transition-record';
import { createBody, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});

describe('recordTransition', () => {
  it('writes a record once: sent again after a later one, it changes nothing', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    const id = created.body.id as string;
    const [operation] = (await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200)).body.operations as { id: string }[];
    const request = { operationId: operation!.id, type: 'provision' as const, seq: 1, args: {}, requestedBy: 'test' };
    const workflowId = `instance-${id}/provision-1`;
    const started: TransitionRecord = {
      instanceId: id,
      status: 'provisioning',
      currentOperationId: request.operationId,
      lastError: null,
      operations: [{ request, status: 'running', workflowId }],
      event: { key: `run-1:1`, kind: 'operation.started', message: 'provision started' },
    };
    const attention: TransitionRecord = {
      instanceId: id,
      status: 'attention',
      lastError: 'Hetzner 403',
      operations: [{ request, status: 'running', workflowId }],
      event: { key: `run-1:2`, kind: 'instance.attention', message: 'Hetzner 403' },
    };
    await records.recordTransition(started);
    await records.recordTransition(attention);
    await records.recordTransition(started);

    const view = (await signed(h.app, 'get', `/api/instances/${id}`).expect(200)).body;
    expect(view).toMatchObject({ status: 'attention', last_error: 'Hetzner 403', current_operation: expect.objectContaining({ id: request.operationId }) });
    const rows = await h.db.handle.sql`select kind from events where instance_id = ${id} and dedupe_key like 'run-1:%' order by id`;
    expect(rows.map((r) => r.kind)).toEqual(['operation.started', 'instance.attention']);
  });
});
