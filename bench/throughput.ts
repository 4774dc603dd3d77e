// Sustained throughput: provisions completed per second with N in flight (closed loops: each
// starts the next as soon as its provision is `succeeded` in the read model), against the no-op
// twin of the provision's shape at the same N on the same server in the same run: the dev
// server's own ceiling for that shape. Also the sweep behind the scale-out figure.
import { randomUUID } from 'node:crypto';
import type { OperationShape } from './baseline-workflows';
import { cpuWindow, perItemMs, type CpuSplit } from './cpu-split';
import { ReadModelWatcher, request } from './drive';
import type { Harness } from './harness';
import { closedLoop, ratio, summarize, type Summary } from './stats';

export interface SweepPoint {
  concurrency: number;
  hostflowPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  hostflowLatency: Summary;
  baselineLatency: Summary;
  errors: number;
  firstError?: string;
  /** CPU milliseconds per completed provision, by process, over each side's measuring window. */
  hostflowCpuMs?: CpuSplit;
  baselineCpuMs?: CpuSplit;
}

export interface SweepOptions {
  concurrencies: number[];
  warmupMs: number;
  measureMs: number;
  log: (line: string) => void;
  label: string;
}

export async function hostflowProvisionRate(h: Harness, concurrency: number, options: SweepOptions) {
  const watcher = new ReadModelWatcher(h, 20);
  try {
    return await closedLoop({
      concurrency,
      warmupMs: options.warmupMs,
      measureMs: options.measureMs,
      iteration: async () => {
        const requested = await request(h, 'provision');
        const status = await watcher.untilFinal(requested.operationId);
        if (status !== 'succeeded') throw new Error(`provision ${requested.operationId} ended ${status}`);
      },
    });
  } finally {
    watcher.close();
  }
}

export async function baselineProvisionRate(h: Harness, shape: OperationShape, concurrency: number, options: SweepOptions) {
  return closedLoop({
    concurrency,
    warmupMs: options.warmupMs,
    measureMs: options.measureMs,
    iteration: async () => {
      const workflowId = `baseline-${randomUUID()}`;
      const key = `${workflowId}:0`;
      const done = h.baselineDone(key);
      await h.client.workflow.signalWithStart('baselineEntityWorkflow', {
        workflowId,
        taskQueue: h.baselineTaskQueue,
        signal: 'requestOperation',
        signalArgs: [{ key, seq: 1, shape }],
      });
      await done;
    },
  });
}

export async function sweep(h: Harness, shape: OperationShape, options: SweepOptions): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const concurrency of options.concurrencies) {
    const hostflowCpu = cpuWindow(options.warmupMs, options.measureMs);
    const hostflow = await hostflowProvisionRate(h, concurrency, options);
    const baselineCpu = cpuWindow(options.warmupMs, options.measureMs);
    const baseline = await baselineProvisionRate(h, shape, concurrency, options);
    const p50 = (ms: number[]) => `p50 ${Math.round(summarize(ms).p50)} ms`;
    options.log(
      `${options.label} N=${concurrency}: hostflow ${hostflow.perSecond}/s (${p50(hostflow.latenciesMs)}, ${hostflow.errors} errors${hostflow.firstError ? `: ${hostflow.firstError}` : ''}), ` +
        `baseline ${baseline.perSecond}/s (${p50(baseline.latenciesMs)}, ${baseline.errors} errors)`,
    );
    points.push({
      concurrency,
      hostflowPerSecond: hostflow.perSecond,
      baselinePerSecond: baseline.perSecond,
      ratio: ratio(hostflow.perSecond, baseline.perSecond),
      hostflowLatency: summarize(hostflow.latenciesMs),
      baselineLatency: summarize(baseline.latenciesMs),
      errors: hostflow.errors + baseline.errors,
      firstError: hostflow.firstError ?? baseline.firstError,
      hostflowCpuMs: perItemMs(await hostflowCpu, hostflow.completed),
      baselineCpuMs: perItemMs(await baselineCpu, baseline.completed),
    });
  }
  return points;
}

export interface ThroughputResult {
  points: SweepPoint[];
  /** The sweep's best Hostflow rate over the best baseline rate. */
  bestRatio: number;
  target: { ratio: number };
}

export function throughputResult(points: SweepPoint[]): ThroughputResult {
  const best = (key: 'hostflowPerSecond' | 'baselinePerSecond') => Math.max(0, ...points.map((p) => p[key]));
  return { points, bestRatio: ratio(best('hostflowPerSecond'), best('baselinePerSecond')), target: { ratio: 0.8 } };
}
