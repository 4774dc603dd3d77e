// Recovery: the real worker process (`node --import tsx workers/main.ts`, as `npm run worker`
// runs it) is SIGKILLed while an activity of a provision is in flight, then started again at once.
// The figure is the time from that restart to the provision's `succeeded` in the read model.
// A sandbox latency fault holds the chosen provider call open so the kill lands inside it.
// Runs on a task queue and API process of its own, so no other worker can finish the work.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ReadModelWatcher, request } from './drive';
import { spawnReady, type ChildHandle, type Harness } from './harness';
import { nowMs, round, sleep } from './stats';

export interface RecoveryScenario {
  name: string;
  /** The activity the kill interrupts, and the provider call held open to keep it in flight. */
  activity: string;
  route: string;
  /** 'real': workers/main.ts, which bundles the workflow code as it starts (the default);
   * 'prebuilt': the bench worker process, the same worker on a bundle built beforehand. */
  worker?: 'real' | 'prebuilt';
}

export const RECOVERY_SCENARIOS: RecoveryScenario[] = [
  { name: 'kill during a heartbeating wait (waitForServerRunning)', activity: 'waitForServerRunning', route: 'GET /v1/actions/:id' },
  { name: 'kill during a provider call without heartbeat (createServer)', activity: 'createServer', route: 'POST /v1/servers' },
  {
    name: 'kill during a heartbeating wait, worker on a pre-built bundle',
    activity: 'waitForServerRunning',
    route: 'GET /v1/actions/:id',
    worker: 'prebuilt',
  },
];

export interface RecoveryPoint {
  scenario: string;
  /** Restart → the worker process says it polls (bundling included). */
  workerStartSeconds: number;
  /** Restart → the interrupted operation is `succeeded` in the read model. */
  recoverySeconds: number;
  /** SIGKILL → succeeded. */
  killToDoneSeconds: number;
}

export interface RecoveryResult {
  points: RecoveryPoint[];
  target: { seconds: number };
}

const ROOT = path.resolve(__dirname, '..');
// Its 'worker polling' log line (JSON at info level; older builds printed 'polling task queue').
const POLLING = /worker polling|polling task queue/;

async function waitForActivity(h: Harness, workflowId: string, activity: string, timeoutMs = 90_000): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    try {
      const { raw } = await h.client.workflow.getHandle(workflowId).describe();
      // state 2 = PENDING_ACTIVITY_STATE_STARTED: a worker holds it.
      if (raw.pendingActivities?.some((a) => a.activityType?.name === activity && Number(a.state) === 2)) return;
    } catch {
      // the child may not exist yet
    }
    if (nowMs() > deadline) throw new Error(`recovery: ${activity} never started in ${workflowId}`);
    await sleep(50);
  }
}

export async function measureRecovery(h: Harness, scenarios: RecoveryScenario[], log: (line: string) => void): Promise<RecoveryResult> {
  const taskQueue = `bench-recovery-${randomUUID()}`;
  const api = await h.startApi({ taskQueue });
  // Metrics off: a fixed Prometheus port would collide with a dev stack on this machine.
  const env = h.hostflowEnv({ TEMPORAL_TASK_QUEUE: taskQueue, API_URL: api.url, LOG_LEVEL: 'info', WORKER_METRICS_ADDRESS: 'off' });
  const startWorker = (scenario: RecoveryScenario) =>
    scenario.worker === 'prebuilt'
      ? h.startWorker('hostflow', { taskQueue })
      : spawnReady(path.join(ROOT, 'workers', 'main.ts'), [], env, ['--import', 'tsx'], POLLING);
  const watcher = new ReadModelWatcher(h, 20);
  let worker: ChildHandle | undefined;
  const points: RecoveryPoint[] = [];
  try {
    for (const scenario of scenarios) {
      worker = await startWorker(scenario);
      h.sandbox.setFaults([{ route: scenario.route, latencyMs: 5_000 }]);
      const requested = await request(h, 'provision', undefined, api.url);
      await waitForActivity(h, `instance-${requested.instanceId}/provision-1`, scenario.activity);
      await sleep(200);
      const killedAt = nowMs();
      await worker.kill();
      h.sandbox.setFaults([]);
      const restartedAt = nowMs();
      worker = await startWorker(scenario);
      const workerUp = nowMs();
      const status = await watcher.untilFinal(requested.operationId, 180_000);
      const done = nowMs();
      if (status !== 'succeeded') throw new Error(`recovery: provision ended ${status}`);
      await worker.stop();
      worker = undefined;
      const point = {
        scenario: scenario.name,
        workerStartSeconds: round((workerUp - restartedAt) / 1000, 2),
        recoverySeconds: round((done - restartedAt) / 1000, 2),
        killToDoneSeconds: round((done - killedAt) / 1000, 2),
      };
      log(`recovery: ${scenario.name}: ${point.recoverySeconds} s after restart (worker up in ${point.workerStartSeconds} s)`);
      points.push(point);
    }
    return { points, target: { seconds: 10 } };
  } finally {
    h.sandbox.setFaults([]);
    watcher.close();
    await worker?.kill();
    await api.handle.stop();
  }
}
