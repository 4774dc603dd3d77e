// Scale-out: the throughput sweep again with a second Hostflow worker process (and a second
// baseline worker) on the same task queues, compared with the one-worker sweep of the same run.
// On one machine the workers share its cores with the dev server, so the baseline's own scaling
// says whether the server (or the machine) is the limit: where the no-op twin does not gain 1.5×
// from a second worker, Hostflow cannot be expected to.
import { FINAL_OPERATION_STATUSES } from '../workflows/statuses';
import type { OperationShape } from './baseline-workflows';
import type { ChildHandle, Harness } from './harness';
import { nowMs, ratio, sleep } from './stats';
import { baselineProvisionRate, hostflowProvisionRate, sweep, type SweepOptions, type SweepPoint } from './throughput';

export interface ScaleOutPoint {
  concurrency: number;
  oneWorker: number;
  twoWorkers: number;
  factor: number;
  baselineOneWorker: number;
  baselineTwoWorkers: number;
  baselineFactor: number;
  /** The no-op twin gained less than 1.5× too: the server or the machine is the limit, not the worker. */
  serverLimited: boolean;
  /** Provisions that failed or timed out in the two-worker run, and the first reason. */
  errors: number;
  firstError?: string;
}

export interface ScaleOutResult {
  points: ScaleOutPoint[];
  bestFactor: number;
  target: { factor: number };
  cores: number;
  /** Provisions of the one-worker sweep still in flight when the two-worker sweep began (after a bounded drain). */
  inFlightAtStart: number;
}

async function inFlight(h: Harness): Promise<number> {
  const [row] = await h.sql<{ count: string }[]>`select count(*) from operations where status not in ${h.sql(FINAL_OPERATION_STATUSES)}`;
  return Number(row?.count ?? 0);
}

/** Waits (bounded) until no operation is in flight, so the two-worker sweep does not inherit a backlog. */
async function drain(h: Harness, timeoutMs: number, log: (line: string) => void): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  let left = await inFlight(h);
  if (left > 0) log(`scale-out: waiting for ${left} operation(s) of the one-worker sweep to finish`);
  while (left > 0 && nowMs() < deadline) {
    await sleep(250);
    left = await inFlight(h);
  }
  if (left > 0) log(`scale-out: ${left} operation(s) still in flight after ${timeoutMs / 1000} s`);
  return left;
}

export async function measureScaleOut(
  h: Harness,
  shape: OperationShape,
  oneWorker: SweepPoint[],
  options: SweepOptions & { cores: number; primary: ChildHandle[]; drainMs?: number },
): Promise<ScaleOutResult> {
  // "Two workers" means the one-worker sweep's workers plus one more each: they must still be up.
  const dead = options.primary.filter((w) => w.process.exitCode !== null || w.process.signalCode !== null);
  if (dead.length > 0) throw new Error(`scale-out: ${dead.length} worker(s) of the one-worker sweep exited:\n${dead.flatMap((w) => w.tail()).join('\n')}`);
  const inFlightAtStart = await drain(h, options.drainMs ?? 60_000, options.log);
  const extra = await Promise.all([h.startWorker('hostflow'), h.startWorker('baseline')]);
  try {
    // A fresh worker's first workflow tasks pay for its workflow context and an empty cache; the
    // one-worker sweep's worker paid that long before its window. Warm the new ones up unmeasured.
    const warm = { ...options, warmupMs: 0, measureMs: Math.max(1_500, options.warmupMs) };
    const warmHostflow = await hostflowProvisionRate(h, 4, warm);
    const warmBaseline = await baselineProvisionRate(h, shape, 4, warm);
    options.log(`scale-out warm-up: hostflow ${warmHostflow.completed} provisions, baseline ${warmBaseline.completed} (${warmHostflow.errors + warmBaseline.errors} errors)`);
    const two = await sweep(h, shape, options);
    const points = two.map((p): ScaleOutPoint => {
      const one = oneWorker.find((o) => o.concurrency === p.concurrency);
      const baselineFactor = ratio(p.baselinePerSecond, one?.baselinePerSecond ?? 0);
      return {
        concurrency: p.concurrency,
        oneWorker: one?.hostflowPerSecond ?? Number.NaN,
        twoWorkers: p.hostflowPerSecond,
        factor: ratio(p.hostflowPerSecond, one?.hostflowPerSecond ?? 0),
        baselineOneWorker: one?.baselinePerSecond ?? Number.NaN,
        baselineTwoWorkers: p.baselinePerSecond,
        baselineFactor,
        serverLimited: !(baselineFactor >= 1.5),
        errors: p.errors,
        firstError: p.firstError,
      };
    });
    const best = (key: 'oneWorker' | 'twoWorkers') => Math.max(0, ...points.map((p) => p[key]).filter((v) => Number.isFinite(v)));
    return { points, bestFactor: ratio(best('twoWorkers'), best('oneWorker')), target: { factor: 1.5 }, cores: options.cores, inFlightAtStart };
  } finally {
    await Promise.all(extra.map((w) => w.stop()));
  }
}
