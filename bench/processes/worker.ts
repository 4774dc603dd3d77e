// A bench worker process: BENCH_WORKER_KIND=hostflow runs createHostflowWorker exactly as
// workers/main.ts does, but with the run's pre-built bundle and the sandbox's short poll interval;
// BENCH_WORKER_KIND=baseline runs the no-op twin on its own task queue. Answers memory questions
// over IPC for the idle figure.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as baselineActivities from '../baseline-activities';
import { dataConverterFromEnv } from '../../config/data-converter';
import { loadWorkerConfig } from '../../config/worker-config';
import { openDatabase } from '../../schema/db';
import { buildActivityDeps } from '../../workers/activity-deps';
import { createHostflowWorker, workerTuning } from '../../workers/worker';
import { fail, onStop, send, type ParentMessage } from './ipc';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const kind = process.env.BENCH_WORKER_KIND;
  const address = process.env.TEMPORAL_ADDRESS!;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const connection = await NativeConnection.connect({ address });
  // Both kinds alike: the harness's client encrypts the twin's inputs too when keys are set.
  const dataConverter = dataConverterFromEnv(process.env);
  const closers: (() => Promise<void>)[] = [() => connection.close()];
  let worker: Worker;
  if (kind === 'hostflow') {
    const config = loadWorkerConfig();
    const database = openDatabase(config.databaseUrl!);
    closers.push(() => database.close());
    const deps = buildActivityDeps(config, database.db, { pollIntervalMs: Number(process.env.BENCH_POLL_INTERVAL_MS ?? 20) });
    // The pooled SMTP connections, as workers/main.ts closes them at shutdown.
    closers.push(async () => deps.mail.transport.close());
    worker = await createHostflowWorker({
      connection,
      namespace,
      taskQueue: config.taskQueue,
      maxCachedWorkflows: config.maxCachedWorkflows,
      dataConverter,
      deps,
      workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
    });
  } else if (kind === 'baseline') {
    worker = await Worker.create({
      connection,
      namespace,
      taskQueue: process.env.BENCH_BASELINE_TASK_QUEUE!,
      activities: baselineActivities,
      dataConverter,
      workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
      // Tuned as Hostflow's worker, so the two differ only in what runs.
      ...workerTuning(process.env.WORKER_MAX_CACHED_WORKFLOWS ? Number(process.env.WORKER_MAX_CACHED_WORKFLOWS) : undefined),
    });
  } else {
    throw new Error(`BENCH_WORKER_KIND must be hostflow or baseline, not ${String(kind)}`);
  }
  const running = worker.run();
  process.on('message', (m: ParentMessage) => {
    if (m.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (m.gc && gc) gc();
    const usage = process.memoryUsage();
    send({ type: 'memory', rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, externalBytes: usage.external });
  });
  onStop(async () => {
    worker.shutdown();
    await running;
    for (const close of closers.reverse()) await close();
  });
  running.catch(fail);
  send({ type: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows });
}

main().catch(fail);
