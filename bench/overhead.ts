// Orchestration overhead per operation: POST (or DELETE) → the operation's final status read back
// through the API, one operation at a time, with providers and the VM answering at once. So what
// is left is Hostflow's own cost: API, read model, Temporal round trips, activity scheduling.
// Baseline, same run: the no-op twin of each operation's shape (bench/baseline-workflows.ts), one
// at a time, from the signal to its last activity's report.
import { randomUUID } from 'node:crypto';
import type { OperationShape } from './baseline-workflows';
import { LIFECYCLE, request, untilFinalViaApi } from './drive';
import type { Harness } from './harness';
import { overheadSteps, type MeasuredLifecycle, type OverheadSteps } from './overhead-steps';
import { nowMs, ratio, summarize, type Summary } from './stats';
import { instanceWorkflowId } from '../workflows/ids';
import type { OperationType } from '../workflows/statuses';

export interface OverheadResult {
  lifecycles: number;
  operations: number;
  all: Summary;
  byType: Record<string, { hostflow: Summary; baseline: Summary; p50Ratio: number }>;
  baselineAll: Summary;
  target: { p50Ms: number; p99Ms: number };
  pollIntervalMs: number;
  /** Where a lifecycle's time goes, from the histories of the first lifecycles of each side. */
  steps?: OverheadSteps;
}

/** How many lifecycles of each side the step breakdown reads the histories of. */
const STEP_LIFECYCLES = 10;


export async function measureOverhead(
  h: Harness,
  shapes: Record<OperationType, OperationShape>,
  options: { lifecycles: number; baselineLifecycles: number; log: (line: string) => void },
): Promise<OverheadResult> {
  const hostflow: Record<string, number[]> = {};
  const hostflowLifecycles: MeasuredLifecycle[] = [];
  for (let i = 0; i < options.lifecycles; i++) {
    let instanceId: string | undefined;
    let measuredMs = 0;
    for (const type of LIFECYCLE) {
      const began = nowMs();
      const requested = await request(h, type, instanceId);
      instanceId = requested.instanceId;
      const status = await untilFinalViaApi(h, requested, { intervalMs: 10 });
      if (status !== 'succeeded') throw new Error(`overhead: ${type} of ${instanceId} ended ${status}`);
      const took = nowMs() - began;
      (hostflow[type] ??= []).push(took);
      measuredMs += took;
    }
    hostflowLifecycles.push({ entityWorkflowId: instanceWorkflowId(instanceId!), measuredMs });
    if ((i + 1) % 10 === 0) options.log(`overhead: ${i + 1}/${options.lifecycles} lifecycles`);
  }

  const baseline: Record<string, number[]> = {};
  const twinLifecycles: MeasuredLifecycle[] = [];
  for (let i = 0; i < options.baselineLifecycles; i++) {
    const workflowId = `baseline-${randomUUID()}`;
    let measuredMs = 0;
    for (const [seq, type] of LIFECYCLE.entries()) {
      const key = `${workflowId}:${seq}`;
      const done = h.baselineDone(key);
      const began = nowMs();
      const signal = { key, seq, shape: shapes[type], last: type === 'terminate' };
      if (seq === 0) {
        await h.client.workflow.signalWithStart('baselineEntityWorkflow', {
          workflowId,
          taskQueue: h.baselineTaskQueue,
          signal: 'requestOperation',
          signalArgs: [signal],
        });
      } else {
        await h.client.workflow.getHandle(workflowId).signal('requestOperation', signal);
      }
      await done;
      const took = nowMs() - began;
      (baseline[type] ??= []).push(took);
      measuredMs += took;
    }
    twinLifecycles.push({ entityWorkflowId: workflowId, measuredMs });
  }

  const byType: OverheadResult['byType'] = {};
  for (const type of LIFECYCLE) {
    const hs = summarize(hostflow[type] ?? []);
    const bs = summarize(baseline[type] ?? []);
    byType[type] = { hostflow: hs, baseline: bs, p50Ratio: ratio(hs.p50, bs.p50) };
  }
  return {
    lifecycles: options.lifecycles,
    operations: Object.values(hostflow).reduce((n, v) => n + v.length, 0),
    all: summarize(Object.values(hostflow).flat()),
    byType,
    baselineAll: summarize(Object.values(baseline).flat()),
    target: { p50Ms: 300, p99Ms: 1000 },
    pollIntervalMs: 10,
    steps: await overheadSteps(h.client, { hostflow: hostflowLifecycles.slice(0, STEP_LIFECYCLES), twin: twinLifecycles.slice(0, STEP_LIFECYCLES) }),
  };
}
