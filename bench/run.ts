// `npm run bench` (full sizes, ~10-15 minutes on 2 cores) or `npm run bench:smoke` (tiny sizes of
// every figure, under 2 minutes: CI runs it so the benchmarks never rot). Prints the markdown
// table and writes bench/results/latest.{json,md} (smoke: smoke.{json,md}).
// Options: --smoke, --only overhead,throughput,… (figure names as in the JSON), --out <name>.
// A missed target never fails the run; a figure that could not be measured does (exit 1).
import os from 'node:os';
import { measureApiCost } from './api-cost';
import type { OperationShape } from './baseline-workflows';
import { measureBillableActions } from './billable-actions';
import { LIFECYCLE } from './drive';
import { measureDunning } from './dunning';
import { measureFleetHealth } from './fleet-health';
import { POLL_INTERVAL_MS, startHarness, ZERO_DELAY_SANDBOX, type ChildHandle } from './harness';
import { measureIdleActions, measureIdleMemory } from './idle';
import { measureOverhead } from './overhead';
import { measureRecovery, RECOVERY_SCENARIOS } from './recovery';
import { machineInfo, temporalInfo, toMarkdown, writeReport, type FigureName, type Figures, type Report } from './report';
import { measureScaleOut } from './scale-out';
import { measureServers } from './servers';
import { round, sleep } from './stats';
import { sweep, throughputResult } from './throughput';
import { cachedTemporalServer, serverCacheDir } from '../scripts/lib/temporal-cluster';
import type { OperationType } from '../workflows/statuses';

const FULL = {
  overheadLifecycles: 34, // 204 operations
  baselineLifecycles: 10,
  sweep: { concurrencies: [1, 10, 25, 50], warmupMs: 3_000, measureMs: 12_000 },
  scaleOut: { concurrencies: [10, 25, 50], warmupMs: 3_000, measureMs: 12_000 },
  idleWindowMs: 60_000,
  idleCounts: [200, 1_000, 10_000],
  idleBudgetMs: 240_000,
  /** The idle memory again with this WORKER_MAX_CACHED_WORKFLOWS, next to the default. */
  idleSmallerCache: 20,
  api: { concurrency: 100, lowConcurrencies: [1, 10], warmupMs: 2_000, measureMs: 10_000 },
  recovery: RECOVERY_SCENARIOS,
  /** The dunning episode's past-due grace: the figure counts actions, so a short one measures the same. */
  dunningGraceMs: 1_000,
  /** Dev server vs the real server: fresh stacks of its own, after the rest (~10 min). */
  servers: { rounds: 3, concurrency: 10, warmupMs: 3_000, measureMs: 10_000, api: { concurrency: 100, warmupMs: 2_000, measureMs: 8_000 } },
  /** Health sweeps over seeded fleets of these sizes, repeated; the idle check's provisioned instances and sweeps. */
  fleetHealth: { sizes: [1_000, 10_000], repeats: 3, idleInstances: 2, idleSweeps: 3 },
};

const SMOKE: typeof FULL = {
  overheadLifecycles: 1,
  baselineLifecycles: 1,
  sweep: { concurrencies: [4], warmupMs: 500, measureMs: 2_500 },
  scaleOut: { concurrencies: [4], warmupMs: 500, measureMs: 2_500 },
  idleWindowMs: 5_000,
  idleCounts: [20],
  idleBudgetMs: 20_000,
  idleSmallerCache: 20,
  api: { concurrency: 100, lowConcurrencies: [1], warmupMs: 300, measureMs: 1_500 },
  recovery: RECOVERY_SCENARIOS.slice(0, 1),
  dunningGraceMs: 1_000,
  servers: { rounds: 1, concurrency: 4, warmupMs: 500, measureMs: 2_500, api: { concurrency: 100, warmupMs: 300, measureMs: 1_500 } },
  fleetHealth: { sizes: [50], repeats: 1, idleInstances: 1, idleSweeps: 1 },
};

const ALL: FigureName[] = ['billableActions', 'dunning', 'overhead', 'throughput', 'scaleOut', 'idleActions', 'idleMemory', 'fleetHealth', 'apiCost', 'recovery', 'servers'];

function parseArgs(argv: string[]) {
  const smoke = argv.includes('--smoke');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only')?.split(',').map((s) => s.trim()) as FigureName[] | undefined;
  const unknown = only?.filter((name) => !ALL.includes(name));
  if (unknown?.length) throw new Error(`unknown figure(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  // The servers figure starts two more stacks: a smoke run has it only when named (--only servers).
  return { smoke, only: new Set(only ?? ALL.filter((name) => !(smoke && name === 'servers'))), out: value('--out') ?? (smoke ? 'smoke' : 'latest') };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.smoke ? SMOKE : FULL;
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[bench ${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
  const wants = (name: FigureName) => args.only.has(name);
  const figures: Figures = {};
  const errors: Report['errors'] = {};
  const attempt = async <T>(name: FigureName, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!wants(name)) return undefined;
    log(`${name}…`);
    try {
      return await fn();
    } catch (error) {
      errors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${name} failed: ${errors[name]}`);
      return undefined;
    }
  };

  const h = await startHarness({ log });
  const workers: ChildHandle[] = [];
  let report: Report | undefined;
  let provisionShape: OperationShape | undefined;
  try {
    workers.push(...(await Promise.all([h.startWorker('hostflow', { exposeGc: true }), h.startWorker('baseline')])));
    const [hostflowWorker] = workers;

    // Shapes come from the histories; the twin is built from them, so run one lifecycle first.
    const billable = await attempt('billableActions', () => measureBillableActions(h));
    if (billable) figures.billableActions = billable;
    const shapes = (billable ?? (await measureBillableActions(h))).operations.reduce(
      (acc, op) => ({ ...acc, [op.type]: op.shape }),
      {} as Record<OperationType, OperationShape>,
    );
    if (LIFECYCLE.some((t) => !shapes[t])) throw new Error('no operation shapes: the billable-actions lifecycle did not complete');
    provisionShape = shapes.provision;
    figures.dunning = await attempt('dunning', () => measureDunning(h, { graceMs: sizes.dunningGraceMs }));

    figures.overhead = await attempt('overhead', () =>
      measureOverhead(h, shapes, { lifecycles: sizes.overheadLifecycles, baselineLifecycles: sizes.baselineLifecycles, log }),
    );

    // Recovery before the load figures: it times a real worker's restart against the dev server,
    // and must not share the server with the sweeps' leftovers or the idle figure's thousands of
    // workflows (the full run's recovery never saw its activity start behind them). Its own task
    // queue, API process and worker; the main workers just stay idle meanwhile.
    figures.recovery = await attempt('recovery', () => measureRecovery(h, sizes.recovery, log));

    const sweepOptions = (s: typeof sizes.sweep, label: string) => ({ ...s, log, label });
    figures.throughput = await attempt('throughput', async () => {
      const points = await sweep(h, shapes.provision, sweepOptions(sizes.sweep, 'throughput'));
      const [row] = await h.sql<{ count: string }[]>`select count(*) from instances where status = 'running'`;
      const m = await hostflowWorker!.memory();
      return {
        ...throughputResult(points),
        workerAfterSweep: { liveWorkflows: Number(row?.count ?? 0), rssMiB: round(m.rssBytes / 2 ** 20), heapUsedMiB: round(m.heapUsedBytes / 2 ** 20) },
      };
    });

    figures.scaleOut = await attempt('scaleOut', async () => {
      const one = figures.throughput?.points ?? (await sweep(h, shapes.provision, sweepOptions(sizes.scaleOut, 'one worker')));
      return measureScaleOut(h, shapes.provision, one, { ...sweepOptions(sizes.scaleOut, 'two workers'), cores: os.cpus().length, primary: workers });
    });

    // The quiet window and the memory fill run side by side: neither touches the other's workflows.
    const idleInstance = async () => {
      const [row] = await h.sql<{ id: string }[]>`select id from instances where status = 'running' order by updated_at limit 1`;
      if (row) return row.id;
      const { request, untilFinalViaApi } = await import('./drive');
      const r = await request(h, 'provision');
      await untilFinalViaApi(h, r);
      return r.instanceId;
    };
    const [idleActions, idleMemory] = await Promise.all([
      attempt('idleActions', async () => measureIdleActions(h, await idleInstance(), sizes.idleWindowMs)),
      attempt('idleMemory', async () => {
        const byDefault = await measureIdleMemory(h, { counts: sizes.idleCounts, budgetMs: sizes.idleBudgetMs, log });
        const smallerCache = await measureIdleMemory(h, { counts: sizes.idleCounts, budgetMs: sizes.idleBudgetMs, maxCachedWorkflows: sizes.idleSmallerCache, log });
        return { ...byDefault, smallerCache };
      }),
    ]);
    figures.idleActions = idleActions;
    figures.idleMemory = idleMemory;
    // Needs the main worker and API (its idle check provisions through them); its sweeps run on workers of its own.
    figures.fleetHealth = await attempt('fleetHealth', () => measureFleetHealth(h, { ...sizes.fleetHealth, log }));

    // From here no worker of the main queue is needed; stopping them gives the API figure the machine.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await sleep(500);
    figures.apiCost = await attempt('apiCost', () => measureApiCost(h, sizes.api));

    report = {
      command: ['npx', 'tsx', 'bench/run.ts', ...process.argv.slice(2)].join(' '),
      smoke: args.smoke,
      startedAt: new Date(started).toISOString(),
      durationSeconds: round((Date.now() - started) / 1000, 0),
      machine: machineInfo(),
      temporal: await temporalInfo(h),
      stack: { database: h.databaseKind, sandbox: { ...ZERO_DELAY_SANDBOX }, activityPollIntervalMs: POLL_INTERVAL_MS },
      figures,
      errors,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await h.close();
  }
  // After the main stack is gone, so its processes and Postgres connections are not around.
  if (report && provisionShape && wants('servers')) {
    if (cachedTemporalServer()) figures.servers = await attempt('servers', () => measureServers(provisionShape!, { ...sizes.servers, log }));
    else log(`servers: skipped, no Temporal server binaries in ${serverCacheDir()} (npm run temporal:cluster -- --build-only)`);
    report.durationSeconds = round((Date.now() - started) / 1000, 0);
  }
  const files = writeReport(report, args.out);
  process.stdout.write(`${toMarkdown(report)}\n`);
  log(`wrote ${files.json} and ${files.markdown}`);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
