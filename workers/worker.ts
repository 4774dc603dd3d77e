// Builds a Hostflow worker: every workflow and activity on one task queue. Stateless, so any
// number of copies can share the queue.
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../config/worker-config';
import { keepAliveInterceptor } from '../activities/keep-alive';
import { recordFirstFromDatabase } from '../activities/record-first';
import type { WorkerTracing } from './tracing';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface HostflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Default DEFAULT_MAX_CACHED_WORKFLOWS (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** config/data-converter.ts's: the same as every client's, or the worker cannot read their payloads. */
  dataConverter?: DataConverter;
  /** OpenTelemetry interceptors and sink (workers/tracing.ts); absent = tracing off. A pre-built
   * bundle must then be the tracing one (workers/tracing-bundle.ts). */
  tracing?: WorkerTracing;
}

/** How Hostflow's workers are tuned; the benchmarks' no-op twin runs with the same settings, so
 * the two differ only in what they run. */
export function workerTuning(maxCachedWorkflows = DEFAULT_MAX_CACHED_WORKFLOWS) {
  return {
    // Activities mostly wait on HTTP; many can run at once without loading the CPU.
    maxConcurrentActivityTaskExecutions: 200,
    // An instance workflow sits idle for weeks between operations: keeping thousands of them in
    // memory buys nothing, while replaying an evicted one when its next signal comes costs
    // milliseconds (its history is a few dozen events). The cache only needs to hold what is
    // running (two per operation: entity and child, so the default of 100 holds 50 in flight);
    // the SDK's default (~2,300 here) grew the worker to ~900 MiB at 5k idle instances.
    maxCachedWorkflows,
    // A workflow task for a workflow this worker had cached goes to its own (sticky) queue first.
    // If the worker was killed, the server only learns so when that task times out (for 10 s after
    // the kill it still counts the dead worker's sticky poller as live), once for the child and once
    // more for the entity: 500 ms each instead of the SDK's 10 s keeps recovery after a crash under
    // 5 s. A live worker takes its sticky tasks in milliseconds; one too busy for half a second
    // hands the task to any worker, which replays the (short) history.
    stickyQueueScheduleToStartTimeout: '500ms',
  } satisfies Partial<WorkerOptions>;
}

export function createHostflowWorker(options: HostflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    interceptors: {
      activity: [keepAliveInterceptor, recordFirstFromDatabase(options.deps), ...(options.tracing?.activityInterceptors ?? [])],
      // Only when the workflows are bundled at start: a pre-built bundle has its own (the SDK warns).
      ...(options.tracing && !options.workflowBundle ? { workflowModules: options.tracing.workflowModules } : {}),
    },
    ...(options.tracing ? { sinks: options.tracing.sinks } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...workerTuning(options.maxCachedWorkflows),
    // Let a SIGTERM'd worker finish the activity step it is in (they are short or resumable).
    shutdownGraceTime: '10s',
  });
}
