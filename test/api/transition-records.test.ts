// recordTransition (activities/records.ts) writes a record once per event key: the key is claimed
// first, in the record's own transaction, so a record whose key is already written (or being
// written by another transaction) changes nothing. Revision 4's "operation started" may reach it
// more than once (the child's first activity, each of its attempts, a stale attempt still running
// after a heartbeat timeout, the entity's next write, a retried child), and must never write over
// what was recorded after it.
import type { Sql } from 'postgres';
import { createRecordActivities } from '../../activities/records';
import type { OperationRequest } from '../../workflows/domain';
import type { RecordFirst, TransitionRecord } from '../../workflows/transition-record';
import { createBody, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});

let runs = 0;

/** A provisioning instance from the API, with its operation and the records the entity would build. */
async function provisioning() {
  const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  const id = created.body.id as string;
  const [operation] = (await signed(h.app, 'get', `/api/instances/${id}/operations`).expect(200)).body.operations as { id: string }[];
  const request: OperationRequest = { operationId: operation!.id, type: 'provision', seq: 1, args: {}, requestedBy: 'test' };
  const workflowId = `instance-${id}/provision-1`;
  const run = `run-${(runs += 1)}-${id}`;
  const started: TransitionRecord = {
    instanceId: id,
    status: 'provisioning',
    currentOperationId: request.operationId,
    lastError: null,
    operations: [{ request, status: 'running', workflowId }],
    event: { key: `${run}:1`, kind: 'operation.started', message: 'provision started' },
  };
  const attention: TransitionRecord = {
    instanceId: id,
    status: 'attention',
    lastError: 'Hetzner 403',
    operations: [{ request, status: 'running', workflowId }],
    event: { key: `${run}:2`, kind: 'instance.attention', message: 'Hetzner 403' },
  };
  const succeeded: TransitionRecord = {
    instanceId: id,
    status: 'running',
    currentOperationId: null,
    lastError: null,
    operations: [{ request, status: 'succeeded', workflowId }],
    event: { key: `${run}:3`, kind: 'operation.succeeded', message: 'provision succeeded' },
  };
  const view = async () => (await signed(h.app, 'get', `/api/instances/${id}`).expect(200)).body as Record<string, unknown>;
  const operationRow = async () => (await signed(h.app, 'get', `/api/instances/${id}/operations/${request.operationId}`).expect(200)).body as Record<string, unknown>;
  const events = async () => (await h.db.handle.sql`select kind, message from events where instance_id = ${id} and dedupe_key like ${`${run}:%`} order by id`).map((r) => `${r.kind}: ${r.message}`);
  return { id, request, started, attention, succeeded, view, operationRow, events };
}

/** Until `count` sessions of this database wait for a lock. */
async function untilWaiting(sql: Sql, count: number): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    if ((row?.n as number) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${count} session(s) waiting for a lock: not within 5 s`);
}

describe('recordTransition', () => {
  it('writes a record once: sent again after a later one, it changes nothing', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const { request, started, attention, view, events } = await provisioning();
    await records.recordTransition(started);
    await records.recordTransition(attention);
    await records.recordTransition(started);

    expect(await view()).toMatchObject({ status: 'attention', last_error: 'Hetzner 403', current_operation: expect.objectContaining({ id: request.operationId }) });
    expect(await events()).toEqual(['operation.started: provision started', 'instance.attention: Hetzner 403']);
  });

  // A real Postgres only (DATABASE_URL's server): the embedded one runs one transaction at a time,
  // so two writes never overlap there, and the held row would stop every other query.
  (process.env.DATABASE_URL ? it : it.skip)('two writes of one key at once: the first writes it, the second waits for it and changes nothing', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const { id, started, view, events } = await provisioning();
    const first: TransitionRecord = { ...started, lastError: 'first' };
    const second: TransitionRecord = { ...started, lastError: 'second', event: { ...started.event, message: 'provision started (again)' } };
    // Hold the instance row, so the first write stops inside its transaction, after its check.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = h.db.handle.sql.begin(async (sql) => {
      await sql`select id from instances where id = ${id} for update`;
      locked();
      await released;
    });
    await holding;
    const writes: Promise<void>[] = [];
    try {
      writes.push(records.recordTransition(first));
      await untilWaiting(h.db.handle.sql, 1);
      writes.push(records.recordTransition(second));
      await untilWaiting(h.db.handle.sql, 2);
    } finally {
      release();
    }
    await Promise.all([holder, ...writes]);

    expect(await view()).toMatchObject({ status: 'provisioning', last_error: 'first' });
    expect(await events()).toEqual(['operation.started: provision started']);
  });

  it('a stale "started" after the end changes nothing: not the operation, not the instance', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const { request, started, succeeded, view, operationRow, events } = await provisioning();
    // The end carries "started" (revision 4's entity write); the child's first activity, timed out
    // by its heartbeat but still running, writes "started" only afterwards.
    await records.recordTransition({ ...succeeded, recordFirst: started } satisfies TransitionRecord & RecordFirst);
    await records.recordTransition(started);

    expect(await view()).toMatchObject({ status: 'running', current_operation: null, last_error: null });
    expect(await operationRow()).toMatchObject({ id: request.operationId, status: 'succeeded', finished_at: expect.any(String) });
    expect(await events()).toEqual(['operation.started: provision started', 'operation.succeeded: provision succeeded']);
  });

  it('a record that would reopen a finished operation (a key not yet written) changes neither it nor the instance', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const { request, started, succeeded, view, operationRow } = await provisioning();
    // An end written without "started" (e.g. by an older entity), then "started" under its own key.
    await records.recordTransition(succeeded);
    await records.recordTransition(started);

    expect(await view()).toMatchObject({ status: 'running', current_operation: null });
    expect(await operationRow()).toMatchObject({ id: request.operationId, status: 'succeeded', finished_at: expect.any(String) });
  });

  it('carries "started" as recordFirst: both written, "started" first, in one transaction with the end', async () => {
    const records = createRecordActivities({ db: h.db.handle.db });
    const { started, succeeded, view, events, operationRow } = await provisioning();
    // An end that fails inside its transaction (a grace deadline that is not a date) takes "started" with it.
    const broken: TransitionRecord & RecordFirst = { ...succeeded, billing: { state: 'current', graceUntil: 'not a date' }, recordFirst: started };
    await expect(records.recordTransition(broken)).rejects.toThrow();
    expect(await events()).toEqual([]);
    expect(await operationRow()).toMatchObject({ status: 'queued' });

    await records.recordTransition({ ...succeeded, recordFirst: started });
    expect(await events()).toEqual(['operation.started: provision started', 'operation.succeeded: provision succeeded']);
    expect(await view()).toMatchObject({ status: 'running', current_operation: null });
    // Its key already written, the record carried first is skipped; the end still is written once.
    await records.recordTransition({ ...succeeded, recordFirst: started });
    expect(await events()).toEqual(['operation.started: provision started', 'operation.succeeded: provision succeeded']);
  });
});
