// The recordFirst interceptor (activities/record-first.ts): revision 4's "operation started" rides
// on the child's first activity and is written before it runs. A failed write must not fail the
// activity (a Postgres blip would spend a provider step's retries): it is logged, the activity
// runs, and the entity's next write brings the record.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { recordFirstInterceptor, type TransitionWriter } from '../../activities/record-first';
import type { TransitionRecord } from '../../workflows/transition-record';

const request = { operationId: 'op-7', type: 'suspend' as const, seq: 2, args: {}, requestedBy: 'test' };
const started: TransitionRecord = {
  instanceId: 'i-1',
  status: 'suspending',
  currentOperationId: 'op-7',
  lastError: null,
  operations: [{ request, status: 'running', workflowId: 'instance-i-1/suspend-2' }],
  event: { key: 'run-1:3', kind: 'operation.started', message: 'suspend started' },
};

function environment(activityType: string, write: TransitionWriter['recordTransition']) {
  const written: TransitionRecord[] = [];
  const logs: LogEntry[] = [];
  const writer: TransitionWriter = {
    recordTransition: async (record) => {
      written.push(record);
      await write(record);
    },
  };
  const env = new MockActivityEnvironment({ activityType }, { interceptors: [recordFirstInterceptor(writer)], logger: new DefaultLogger('WARN', (entry) => logs.push(entry)) });
  const seen: unknown[] = [];
  const activity = async (input: unknown) => {
    seen.push(input);
    return 'shut down';
  };
  return { env, activity, written, logs, seen };
}

describe('recordFirst interceptor', () => {
  it('writes the record, then runs the activity without it', async () => {
    const { env, activity, written, seen } = environment('stopServer', async () => undefined);
    expect(await env.run(activity, { serverId: 42, recordFirst: started })).toBe('shut down');
    expect(written).toEqual([started]);
    expect(seen).toEqual([{ serverId: 42 }]);
  });

  it('a failed write is logged with the instance and operation, and the activity runs anyway', async () => {
    const { env, activity, written, logs, seen } = environment('stopServer', () => Promise.reject(new Error('Connection terminated unexpectedly')));
    expect(await env.run(activity, { serverId: 42, recordFirst: started })).toBe('shut down');
    expect(written).toEqual([started]);
    expect(seen).toEqual([{ serverId: 42 }]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'WARN',
      message: expect.stringMatching(/^writing "suspend started" to the read model before stopServer failed; running it anyway/),
      meta: expect.objectContaining({ instanceId: 'i-1', operationId: 'op-7', eventKind: 'operation.started', eventKey: 'run-1:3', error: 'Connection terminated unexpectedly' }),
    });
  });

  it('passes recordTransition its record whole: it writes recordFirst itself, in its own transaction', async () => {
    const { env, activity, written, seen } = environment('recordTransition', async () => undefined);
    const end = { ...started, event: { key: 'run-1:4', kind: 'operation.succeeded', message: 'suspend succeeded' }, recordFirst: started };
    await env.run(activity, end);
    expect(written).toEqual([]);
    expect(seen).toEqual([end]);
  });

  it('leaves an activity without a record alone', async () => {
    const { env, activity, written, seen } = environment('stopServer', async () => undefined);
    await env.run(activity, { serverId: 42 });
    expect(written).toEqual([]);
    expect(seen).toEqual([{ serverId: 42 }]);
  });
});
