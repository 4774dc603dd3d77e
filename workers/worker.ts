// Builds a Hostflow worker: every workflow and activity on one task queue. Stateless, so any
// number of copies can share the queue.
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface HostflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export function createHostflowWorker(options: HostflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.identity ? { identity: options.identity } : {}),
    // Activities mostly wait on HTTP; many can run at once without loading the CPU.
    maxConcurrentActivityTaskExecutions: 200,
    // Let a SIGTERM'd worker finish the activity step it is in (they are short or resumable).
    shutdownGraceTime: '10s',
  });
}
