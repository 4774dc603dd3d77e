// The benchmarks at smoke sizes (`tsx bench/run.ts --smoke`), so they never rot: every figure is
// measured end to end and written in the published shape. No figure is checked against its
// target here: a slow or busy machine must not fail CI.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const OUT = `smoke-test-${process.pid}`;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runSmoke(): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', OUT],
      { cwd: ROOT, env: process.env, maxBuffer: 16 * 1024 * 1024, timeout: 280_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const finite = expect.any(Number);

describe('bench:smoke', () => {
  let run: RunResult;
  let report: any;

  beforeAll(async () => {
    run = await runSmoke();
    report = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', `${OUT}.json`), 'utf8'));
  }, 300_000);

  afterAll(() => {
    for (const ext of ['json', 'md']) rmSync(path.join(ROOT, 'bench', 'results', `${OUT}.${ext}`), { force: true });
  });

  it('measures every figure without an error', () => {
    if (run.code !== 0) console.error(run.stderr.slice(-4000));
    expect(report.errors).toEqual({});
    expect(run.code).toBe(0);
  });

  it('records the machine, the Temporal CLI version, the settings and the exact command', () => {
    expect(report).toMatchObject({
      command: 'npx tsx bench/run.ts --smoke --out ' + OUT,
      smoke: true,
      machine: { cores: finite, memoryGiB: finite, node: process.version },
      temporal: { cliVersion: expect.stringMatching(/\S/), pinnedVersion: expect.stringMatching(/^v\d/) },
      stack: { database: expect.any(String), activityPollIntervalMs: finite },
    });
    expect(Object.keys(report.temporal.dynamicConfig)).toContain('history.transferProcessorMaxPollRPS');
  });

  it('writes each figure with its same-run baseline', () => {
    const f = report.figures;
    expect(f.overhead).toMatchObject({ operations: 6, all: { p50: finite, p99: finite }, baselineAll: { p50: finite } });
    expect(Object.keys(f.overhead.byType).sort()).toEqual(['provision', 'reboot', 'resize', 'suspend', 'terminate', 'unsuspend']);
    expect(f.throughput.points[0]).toMatchObject({ concurrency: finite, hostflowPerSecond: finite, baselinePerSecond: finite });
    expect(f.scaleOut.points[0]).toMatchObject({ oneWorker: finite, twoWorkers: finite, baselineFactor: expect.anything() });
    // Every provision of the two-worker sweep finished: the second worker serves the run's queue.
    expect(f.scaleOut.points.map((p: { errors: number }) => p.errors)).toEqual(f.scaleOut.points.map(() => 0));
    expect(f.apiCost).toMatchObject({ concurrency: 100, api: { perSecond: finite, latency: { p50: finite, p99: finite } }, bareSignalWithStart: { perSecond: finite } });
    // The HTTP hop alone, and with the API's create path, measured between the API and the bare
    // start: every request of both stand-ins answered 202.
    for (const side of [f.apiCost.httpHop, f.apiCost.createPath]) {
      expect(side).toMatchObject({ errors: 0, latency: { p50: finite } });
      expect(side.perSecond).toBeGreaterThan(0);
    }
    // Where the lifecycle's time goes, read from both sides' histories: the twin mirrors Hostflow's
    // activity count, and on each side activities and workflow tasks took time (a broken pairing of
    // events would read 0).
    const steps = f.overhead.steps;
    for (const side of [steps.hostflow, steps.twin]) {
      expect(side).toMatchObject({ lifecycles: 1, measuredMs: finite });
      for (const step of ['activityRunningMs', 'workflowTaskRunningMs', 'workflowTaskQueuedMs', 'workflowTasks', 'activities']) expect(side[step]).toBeGreaterThan(0);
    }
    expect(steps.hostflow.activities).toBe(steps.twin.activities);
    expect(f.idleActions).toMatchObject({ actionsPerDay: finite, openTimers: finite, pendingActivities: finite });
    expect(f.idleMemory.points.length).toBeGreaterThanOrEqual(2);
    expect(f.recovery.points[0]).toMatchObject({ recoverySeconds: finite, workerStartSeconds: finite });
    // Real sweeps over a seeded fleet: every instance checked once, an idle entity untouched.
    expect(f.fleetHealth.sizes[0].samples[0]).toMatchObject({ wallSeconds: finite, billable: finite, checked: f.fleetHealth.sizes[0].instances });
    expect(f.fleetHealth.drift).toMatchObject({ findings: finite, billable: finite });
    expect(f.fleetHealth.idle).toMatchObject({ changes: 0, actionsPerDay: 0 });
  });

  it('counts billable actions per operation and for the whole lifecycle from the histories', () => {
    const b = report.figures.billableActions;
    expect(b.operations.map((o: { type: string }) => o.type)).toEqual(['provision', 'suspend', 'unsuspend', 'resize', 'reboot', 'terminate']);
    const sum = b.operations.reduce((n: number, o: { total: { total: number } }) => n + o.total.total, 0);
    expect(b.lifecycle.total).toBe(sum);
    // Every operation is a signal to the entity and a child start, at least.
    for (const o of b.operations) expect(o.total.total).toBeGreaterThanOrEqual(2);
  });

  it('counts one dunning episode from the entity history: the grace period is one timer and nothing runs while it waits', () => {
    const d = report.figures.dunning;
    expect(d).toMatchObject({ graceMs: finite, graceTimers: 1, eventsWhileWaiting: 0, pastDueToSuspendedSeconds: finite });
    expect(d.children.map((c: { type: string }) => c.type)).toEqual(['suspend', 'unsuspend']);
    const sum = d.children.reduce((n: number, c: { actions: { total: number } }) => n + c.actions.total, d.entity.total);
    expect(d.episode.total).toBe(sum);
    // Two billing signals, one timer, two child starts, and the reservations of the two operations.
    expect(d.entity).toMatchObject({ signals: 2, timers: 1, workflowStarts: 2 });
    expect(d.entityActivities.reserveOperation).toBe(2);
  });

  it('prints the markdown table it wrote', () => {
    expect(run.stdout).toContain('| figure | measured | same-run baseline | target |');
    expect(run.stdout).toContain('| billable actions, one dunning episode');
    expect(readFileSync(path.join(ROOT, 'bench', 'results', `${OUT}.md`), 'utf8')).toContain('Billable actions by operation');
  });
});
