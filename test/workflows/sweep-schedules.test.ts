// ensureSchedules against the run's dev server: the first call creates both sweep schedules as the
// Web UI should show them, the next updates them in place (every worker calls it at start), and a
// pause an operator set survives it.
import { Client, Connection, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { DRIFT_SWEEP_SCHEDULE_ID, DRIFT_SWEEP_WORKFLOW_ID, HEALTH_SWEEP_SCHEDULE_ID, HEALTH_SWEEP_WORKFLOW_ID } from '../../workflows/ids';
import { ensureSchedules } from '../../workers/schedules';

const SCHEDULE_IDS = [HEALTH_SWEEP_SCHEDULE_ID, DRIFT_SWEEP_SCHEDULE_ID];
// No worker polls it: a sweep the schedule happens to start during the test runs nothing.
const taskQueue = `hostflow-schedules-test-${randomUUID()}`;
let connection: Connection;
let client: Client;

async function deleteSchedules(): Promise<void> {
  for (const id of SCHEDULE_IDS) {
    await client.schedule
      .getHandle(id)
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
  }
}

const everyMs = (schedule: ScheduleDescription): number[] => schedule.spec.intervals?.map((i) => Number(i.every)) ?? [];

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: process.env.HOSTFLOW_TEST_NAMESPACE! });
  await deleteSchedules();
});

afterAll(async () => {
  await deleteSchedules();
  await connection?.close();
});

describe('ensureSchedules', () => {
  it('creates both schedules once, then updates them to the new intervals', async () => {
    const first = await ensureSchedules(client, { taskQueue, healthIntervalMs: 5 * 60_000, driftIntervalMs: 60 * 60_000 });
    expect(first).toEqual([
      { scheduleId: HEALTH_SWEEP_SCHEDULE_ID, outcome: 'created', intervalMs: 300_000 },
      { scheduleId: DRIFT_SWEEP_SCHEDULE_ID, outcome: 'created', intervalMs: 3_600_000 },
    ]);

    const health = await client.schedule.getHandle(HEALTH_SWEEP_SCHEDULE_ID).describe();
    expect(everyMs(health)).toEqual([300_000]);
    expect(health.spec.jitter).toBe(30_000);
    expect(health.action).toMatchObject({ type: 'startWorkflow', workflowType: 'healthSweepWorkflow', workflowId: HEALTH_SWEEP_WORKFLOW_ID, taskQueue, workflowRunTimeout: 240_000 });
    expect(health.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(health.state.paused).toBe(false);
    expect(health.state.note).toMatch(/^Fleet health sweep: .* Every 5m \(HEALTH_SWEEP_INTERVAL\)/);

    const drift = await client.schedule.getHandle(DRIFT_SWEEP_SCHEDULE_ID).describe();
    expect(everyMs(drift)).toEqual([3_600_000]);
    expect(drift.action).toMatchObject({ workflowType: 'driftSweepWorkflow', workflowId: DRIFT_SWEEP_WORKFLOW_ID, taskQueue, workflowRunTimeout: 2_880_000 });
    expect(drift.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(drift.state.note).toContain('Every 1h (DRIFT_SWEEP_INTERVAL)');

    const second = await ensureSchedules(client, { taskQueue, healthIntervalMs: 10 * 60_000, driftIntervalMs: 2 * 60 * 60_000 });
    expect(second).toEqual([
      { scheduleId: HEALTH_SWEEP_SCHEDULE_ID, outcome: 'updated', intervalMs: 600_000 },
      { scheduleId: DRIFT_SWEEP_SCHEDULE_ID, outcome: 'updated', intervalMs: 7_200_000 },
    ]);
    const updated = await client.schedule.getHandle(HEALTH_SWEEP_SCHEDULE_ID).describe();
    expect(everyMs(updated)).toEqual([600_000]);
    expect(updated.action).toMatchObject({ workflowRunTimeout: 480_000 });
    expect(updated.state.note).toContain('Every 10m');
    expect(everyMs(await client.schedule.getHandle(DRIFT_SWEEP_SCHEDULE_ID).describe())).toEqual([7_200_000]);
  });

  it('keeps an operator\'s pause and its note', async () => {
    await ensureSchedules(client, { taskQueue, healthIntervalMs: 5 * 60_000, driftIntervalMs: 60 * 60_000 });
    await client.schedule.getHandle(HEALTH_SWEEP_SCHEDULE_ID).pause('provider maintenance until 14:00');

    await ensureSchedules(client, { taskQueue, healthIntervalMs: 15 * 60_000, driftIntervalMs: 60 * 60_000 });

    const health = await client.schedule.getHandle(HEALTH_SWEEP_SCHEDULE_ID).describe();
    expect(health.state).toMatchObject({ paused: true, note: 'provider maintenance until 14:00' });
    expect(everyMs(health)).toEqual([900_000]);
  });
});
