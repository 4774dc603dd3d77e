// Recovery: the real worker process is SIGKILLed while an activity of a provision is in flight,
// then started again at once, as production runs it (`npm run start:worker`: compiled, on the
// workflow bundle `npm run build` made) and as development runs it (`npm run worker`: tsx, which
// bundles the workflow code as it starts). The figure is the time from that restart to the
// provision's `succeeded` in the read model; issue 21's goal reads the production start.
// A sandbox latency fault holds the chosen provider call open so the kill lands inside it.
// Runs on a task queue and API process of its own, so no other worker can finish the work.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ReadModelWatcher, request } from './drive';
import { spawnReady, type ChildHandle, type Harness } from './harness';
import { nowMs, round, sleep } from './stats';
import { withWorkerProcessEnv } from '../workers/process-env';

export interface RecoveryScenario {
  name: string;
  /** The activity the kill interrupts, and the provider call held open to keep it in flight. */
  activity: string;
  route: string;
  /** 'dev': `node --import tsx workers/main.ts`, which bundles the workflow code as it starts;
   * 'production': `node dist/workers/main.js` on dist/workflow-bundle.js (built by the bench first). */
  worker: WorkerStart;
}

export type WorkerStart = 'dev' | 'production';

const WAIT = { activity: 'waitForServerRunning', route: 'GET /v1/actions/:id' };
const CALL = { activity: 'createServer', route: 'POST /v1/servers' };

export const RECOVERY_SCENARIOS: RecoveryScenario[] = [
  // First: the smoke run takes only this one, which needs no build.
  { name: 'kill during a heartbeating wait (waitForServerRunning), dev start', ...WAIT, worker: 'dev' },
  { name: 'kill during a single provider call (createServer, kept alive by the worker), dev start', ...CALL, worker: 'dev' },
  { name: 'kill during a heartbeating wait (waitForServerRunning), production start', ...WAIT, worker: 'production' },
  { name: 'kill during a single provider call (createServer, kept alive by the worker), production start', ...CALL, worker: 'production' },
];

export interface RecoveryPoint {
  scenario: string;
  worker: WorkerStart;
  /** Restart → the worker process says it polls (bundling included). */
  workerStartSeconds: number;
  /** Restart → the interrupted operation is `succeeded` in the read model. */
  recoverySeconds: number;
  /** SIGKILL → succeeded. */
  killToDoneSeconds: number;
  /** The child's history after the kill, in seconds from the restart: where the time went. */
  timeline: { seconds: number; event: string }[];
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

/** The child's events from the kill on (their eventTime), in seconds relative to the restart. */
async function timelineAfter(h: Harness, workflowId: string, fromWall: number, zeroWall: number): Promise<RecoveryPoint['timeline']> {
  const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const timeline: RecoveryPoint['timeline'] = [];
  for (const event of events ?? []) {
    const at = event.eventTime ? Number(event.eventTime.seconds) * 1000 + Math.round((event.eventTime.nanos ?? 0) / 1e6) : 0;
    if (at < fromWall) continue;
    const type = eventName(event as Record<string, unknown>);
    const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
    const attempt = event.activityTaskStartedEventAttributes?.attempt;
    timeline.push({ seconds: round((at - zeroWall) / 1000, 2), event: `${type}${activity ? ` ${activity}` : ''}${attempt ? ` (attempt ${attempt})` : ''}` });
  }
  return timeline;
}

/** An event's type from the attributes it carries: activityTaskStartedEventAttributes → ActivityTaskStarted. */
function eventName(event: Record<string, unknown>): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k]);
  return key ? key[0]!.toUpperCase() + key.slice(1, -'EventAttributes'.length) : 'event';
}

/** `npm run build`: the compiled worker and its workflow bundle, as a production image holds them. */
function buildForProduction(log: (line: string) => void): void {
  const started = nowMs();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  log(`recovery: npm run build took ${round((nowMs() - started) / 1000, 1)} s`);
}

export async function measureRecovery(h: Harness, scenarios: RecoveryScenario[], log: (line: string) => void): Promise<RecoveryResult> {
  const taskQueue = `bench-recovery-${randomUUID()}`;
  const api = await h.startApi({ taskQueue });
  // Metrics off: a fixed Prometheus port would collide with a dev stack on this machine.
  const env = h.hostflowEnv({ TEMPORAL_TASK_QUEUE: taskQueue, API_URL: api.url, LOG_LEVEL: 'info', WORKER_METRICS_ADDRESS: 'off' });
  // Built here, every run: a stale dist/ would measure code that is not the code under test.
  if (scenarios.some((s) => s.worker === 'production')) buildForProduction(log);
  const startWorker = (scenario: RecoveryScenario) =>
    scenario.worker === 'production'
      ? spawnReady(path.join(ROOT, 'dist', 'workers', 'main.js'), [], withWorkerProcessEnv({ ...env, WORKFLOW_BUNDLE: path.join(ROOT, 'dist', 'workflow-bundle.js') }), ['--enable-source-maps'], POLLING)
      : spawnReady(path.join(ROOT, 'workers', 'main.ts'), [], withWorkerProcessEnv(env), ['--import', 'tsx'], POLLING);
  const watcher = new ReadModelWatcher(h, 20);
  let worker: ChildHandle | undefined;
  const points: RecoveryPoint[] = [];
  try {
    for (const scenario of scenarios) {
      worker = await startWorker(scenario);
      h.sandbox.setFaults([{ route: scenario.route, latencyMs: 5_000 }]);
      const requested = await request(h, 'provision', undefined, api.url);
      await waitForActivity(h, `instance-${requested.instanceId}/provision-1`, scenario.activity).catch((error: unknown) => {
        throw new Error(`${String(error)}; the worker's last lines:\n${worker?.tail().join('\n')}`);
      });
      await sleep(200);
      const killedAt = nowMs();
      const killedAtWall = Date.now();
      await worker.kill();
      h.sandbox.setFaults([]);
      const restartedAt = nowMs();
      const restartedAtWall = killedAtWall + (restartedAt - killedAt);
      worker = await startWorker(scenario);
      const workerUp = nowMs();
      const status = await watcher.untilFinal(requested.operationId, 180_000);
      const done = nowMs();
      if (status !== 'succeeded') throw new Error(`recovery: provision ended ${status}`);
      await worker.stop();
      worker = undefined;
      const point = {
        scenario: scenario.name,
        worker: scenario.worker,
        workerStartSeconds: round((workerUp - restartedAt) / 1000, 2),
        recoverySeconds: round((done - restartedAt) / 1000, 2),
        killToDoneSeconds: round((done - killedAt) / 1000, 2),
        timeline: await timelineAfter(h, `instance-${requested.instanceId}/provision-1`, killedAtWall, restartedAtWall),
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
