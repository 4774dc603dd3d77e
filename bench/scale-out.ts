// Scale-out: the throughput sweep again with a second Hostflow worker process (and a second
// baseline worker) on the same task queues, compared with the one-worker sweep of the same run.
// On one machine the workers share its cores with the dev server, so the baseline's own scaling
// says whether the server (or the machine) is the limit: where the no-op twin does not gain 1.5×
// from a second worker, Hostflow cannot be expected to.
import type { OperationShape } from './baseline-workflows';
import type { Harness } from './harness';
import { ratio } from './stats';
import { sweep, type SweepOptions, type SweepPoint } from './throughput';

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
}

export async function measureScaleOut(h: Harness, shape: OperationShape, oneWorker: SweepPoint[], options: SweepOptions & { cores: number }): Promise<ScaleOutResult> {
  const extra = await Promise.all([h.startWorker('hostflow'), h.startWorker('baseline')]);
  try {
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
    return { points, bestFactor: ratio(best('twoWorkers'), best('oneWorker')), target: { factor: 1.5 }, cores: options.cores };
  } finally {
    await Promise.all(extra.map((w) => w.stop()));
  }
}
