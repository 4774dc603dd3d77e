// The no-op twin of Hostflow's shape, bundled on its own so it never ships with workflows/.
// An entity takes a signal (signalWithStart for the first), upserts a search attribute and runs
// no-op activities as Hostflow's entity does around each operation, and runs a child that does
// the operation's count of no-op activities, waits for a `ready` signal under a timer if the real
// one does, and runs the rest. The operation is reported done by the last activity, the entity's
// or (when the entity runs none after the child, as from revision 5) the child's. What it costs is
// the dev server's and the SDK's own price for the shape, with no provider, database or HTTP work
// in it.
import { condition, defineSignal, executeChild, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as activities from './baseline-activities';
import { SA_OPERATION } from '../workflows/search-attributes';

/** How many of each event one Hostflow operation makes; bench/billable-actions.ts reads them from histories. */
export interface OperationShape {
  /** Activities the entity runs for the operation, before and after its child. */
  entityActivitiesBefore: number;
  entityActivitiesAfter: number;
  /** Search-attribute upserts by the entity, before and after its child. */
  entityUpsertsBefore: number;
  entityUpsertsAfter: number;
  /** Activities in the child before its wait for `ready` (all of them when it has no wait) and after. */
  childActivitiesBefore: number;
  childActivitiesAfter: number;
  /** The child waits for a `ready` signal, sent while its first activity completes. */
  childReadySignal: boolean;
  /** Timers the child starts (a condition with a timeout is one). */
  childTimers: number;
}

export interface BaselineRequest {
  key: string;
  seq: number;
  shape: OperationShape;
  /** Finish the entity after this operation (Hostflow's terminate does). */
  last?: boolean;
}

export const baselineRequestSignal = defineSignal<[BaselineRequest]>('requestOperation');
export const baselineReadySignal = defineSignal('ready');

const { noop, noopSignalReady, noopReport } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

export async function baselineEntityWorkflow(): Promise<void> {
  const queue: BaselineRequest[] = [];
  setHandler(baselineRequestSignal, (request) => {
    queue.push(request);
  });
  let upserts = 0;
  const upsert = () => upsertSearchAttributes([{ key: SA_OPERATION, value: `noop-${(upserts += 1)}` }]);
  for (;;) {
    await condition(() => queue.length > 0);
    const request = queue.shift()!;
    const { shape } = request;
    for (let i = 0; i < shape.entityUpsertsBefore; i++) upsert();
    for (let i = 0; i < shape.entityActivitiesBefore; i++) await noop();
    // Revision 5's shape: no entity activity after the child, whose last one writes the read model.
    const reportedByChild = shape.entityActivitiesAfter === 0;
    await executeChild(baselineOperationWorkflow, {
      workflowId: `${workflowInfo().workflowId}/op-${request.seq}`,
      args: reportedByChild ? [shape, request.key] : [shape],
    });
    for (let i = 0; i < shape.entityUpsertsAfter; i++) upsert();
    if (!reportedByChild) {
      // The last activity tells the harness the operation is done, as Hostflow's last one writes the read model.
      for (let i = 0; i < shape.entityActivitiesAfter - 1; i++) await noop();
      await noopReport(request.key);
    }
    if (request.last) return;
  }
}

/** `reportKey`: the child's last activity reports the operation done (the entity runs none after it). */
export async function baselineOperationWorkflow(shape: OperationShape, reportKey?: string): Promise<void> {
  let ready = false;
  setHandler(baselineReadySignal, () => {
    ready = true;
  });
  const total = shape.childActivitiesBefore + shape.childActivitiesAfter;
  const step = (i: number) => (reportKey !== undefined && i === total - 1 ? noopReport(reportKey) : noop());
  for (let i = 0; i < shape.childActivitiesBefore; i++) {
    if (i === 0 && shape.childReadySignal) await noopSignalReady(workflowInfo().workflowId);
    else await step(i);
  }
  if (shape.childTimers > 0) {
    await condition(() => ready, '15 minutes');
    for (let i = 1; i < shape.childTimers; i++) await condition(() => true, '1 minute');
  } else if (shape.childReadySignal) {
    await condition(() => ready);
  }
  for (let i = 0; i < shape.childActivitiesAfter; i++) await step(shape.childActivitiesBefore + i);
}
