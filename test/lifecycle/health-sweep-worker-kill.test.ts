// A health sweep whose worker process is SIGKILLed half-way through (issue 16): a new worker
// resumes the same sweep, and no instance whose check was kept is checked again in it. Every
// gateway answers slowly (the sandbox's `timeout` mode, cut by a 2 s check time limit) and only
// two checks run at once, so the sweep of the fleet takes long enough for the kill to land in it.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { instanceHealth } from '../../schema/tables';
import { createInstance, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { workerProcesses, type WorkerProcess, type WorkerProcesses } from '../support/worker-process';

const FLEET = 24;
const CONCURRENCY = 2;

let stack: Stack;
let workers: WorkerProcesses;
beforeAll(async () => {
  stack = await startStack({ ownDatabase: true });
  // The worker processes read the stack's environment: the sandbox's gateways, slow checks, and
  // schedules that never fire during the test (the sweep is started by the test).
  Object.assign(stack.env, {
    HEALTH_URL_TEMPLATE: stack.sandbox.healthUrlTemplate,
    ALERT_WEBHOOK_URL: stack.sandbox.alertWebhookUrl,
    HEALTH_CHECK_TIMEOUT: '2s',
    HEALTH_CHECK_CONCURRENCY: String(CONCURRENCY),
    HEALTH_SWEEP_INTERVAL: '24h',
    DRIFT_SWEEP_INTERVAL: '24h',
  });
  workers = workerProcesses(stack);
}, 120_000);
afterAll(async () => {
  await workers?.killAll();
  await stack?.close();
});

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  state?: unknown;
}

/** Instances this sweep has written to instance_health so far (their checks were kept). */
async function writtenBy(sweepId: string): Promise<Set<string>> {
  const rows = await stack.database.db.select({ instanceId: instanceHealth.instanceId }).from(instanceHealth).where(eq(instanceHealth.lastSweepId, sweepId));
  return new Set(rows.map((r) => r.instanceId));
}

describe('a worker killed in the middle of a health sweep', () => {
  it('is replaced, the sweep resumes, and nothing whose check was kept is checked twice in it', async () => {
    // The fleet, provisioned by the in-process worker; its servers' gateways then turn slow.
    const fleet = await Promise.all(Array.from({ length: FLEET }, () => createInstance(stack)));
    const serverOf = new Map<string, number>();
    for (const created of fleet) serverOf.set(created.id, Number((await untilStatus(stack, created.id, 'running', 300_000)).server.id));
    await stack.stopWorker();
    stack.sandbox.setHealthMode('timeout');
    const checks = (id: string): number => stack.sandbox.state().health_checks[String(serverOf.get(id))] ?? 0;
    expect(fleet.map((c) => checks(c.id))).toEqual(fleet.map(() => 0));

    let worker: WorkerProcess = await workers.start();
    const sweepId = `test-health-sweep-kill-${randomUUID()}`;
    const handle = await stack.client.workflow.start('healthSweepWorkflow', {
      taskQueue: stack.env.TEMPORAL_TASK_QUEUE!,
      workflowId: sweepId,
      args: [{ retry: { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 5 } }],
    });

    // Mid-sweep: the step is held by the worker, a part of the fleet is written, most is not.
    const written = await eventually(
      async () => {
        const { raw } = await handle.describe();
        const held = ((raw.pendingActivities ?? []) as PendingActivity[]).some((a) => a.activityType?.name === 'checkFleetHealth' && Number(a.state) === 2);
        const done = await writtenBy(sweepId);
        return held && done.size >= CONCURRENCY * 4 + 1 ? done : undefined;
      },
      { what: 'the sweep to be half-way', timeoutMs: 120_000 },
    );
    await workers.kill(worker);
    const writtenAtKill = await writtenBy(sweepId);
    const checksAtKill = new Map(fleet.map((c) => [c.id, checks(c.id)]));
    expect(written.size).toBeLessThan(FLEET - CONCURRENCY);
    expect(writtenAtKill.size).toBeLessThan(FLEET);

    worker = await workers.start();
    const report = (await handle.result()) as { checked: number; failing: number; alreadyChecked: number };

    // Resumed, not started over: the step ran again after the kill (its heartbeats stopped).
    const { events } = await handle.fetchHistory();
    const attempts = (events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);

    // Every instance was checked in this sweep and counted once in the read model.
    expect(await writtenBy(sweepId)).toEqual(new Set(fleet.map((c) => c.id)));
    const rows = await stack.database.db.select().from(instanceHealth);
    for (const created of fleet) {
      expect(rows.find((r) => r.instanceId === created.id)).toMatchObject({ consecutiveFailures: 1, lastSweepId: sweepId });
    }
    expect(report.checked + report.alreadyChecked).toBeGreaterThanOrEqual(FLEET);

    // At the gateways: an instance whose check was kept before the kill was not checked again,
    // nor was one first checked after it; only the checks in flight at the kill (whose answers
    // died with the worker, at most one per check slot) were made once more.
    const inFlight = fleet.filter((c) => !writtenAtKill.has(c.id) && (checksAtKill.get(c.id) ?? 0) > 0).map((c) => c.id);
    expect(inFlight.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const created of fleet) {
      expect([created.hostname, checks(created.id)]).toEqual([created.hostname, inFlight.includes(created.id) ? 2 : 1]);
    }
  }, 900_000);
});
