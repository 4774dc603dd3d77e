// The worker process: `npm run worker` (the dev launcher starts one). Reads configuration,
// installs the SDK runtime (JSON logs, Prometheus metrics), connects to Temporal (TEMPORAL_*
// environment) and Postgres (DATABASE_URL), and runs until SIGINT/SIGTERM, which the SDK turns
// into a graceful shutdown.
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { hostflowDataConverter } from '../config/data-converter';
import { loadWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { connectClient, temporalTarget, type TemporalTarget } from '../config/temporal';
import { openDatabase } from '../schema/db';
import { buildActivityDeps } from './activity-deps';
import { createWorkerLogger, WorkerLogger } from './logging';
import { workerMetricsAddress, workerRuntimeOptions } from './metrics';
import { ensureSchedules, formatInterval } from './schedules';
import { createHostflowWorker } from './worker';
import { serveWorkerHealth, workerHealthAddress, workerIdentity } from './health';
import { startWorkerTracing } from './tracing-start';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const log = createWorkerLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the worker needs the Postgres read model (npm start sets it for the embedded one).');
  const metricsAddress = workerMetricsAddress();
  const healthAddress = workerHealthAddress();
  const identity = workerIdentity();
  // Before any connection or worker exists: the runtime is created once per process.
  Runtime.install(workerRuntimeOptions({ logger: new WorkerLogger(log), metricsAddress }));
  const target = temporalTarget();
  // OpenTelemetry spans for workflows and activities (off unless configured; config/tracing.ts).
  const tracing = await startWorkerTracing();
  const database = openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect(target.connectionOptions);
  const deps = buildActivityDeps(config, database.db);
  try {
    const worker = await createHostflowWorker({
      connection,
      namespace: target.namespace,
      taskQueue: config.taskQueue,
      identity,
      maxCachedWorkflows: config.maxCachedWorkflows,
      dataConverter: hostflowDataConverter(config.payloadEncryption),
      deps,
      // A bundle built ahead with `npm run build:workflows` saves the bundling at every start.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: tracing ? tracing.bundlePath(config.workflowBundlePath) : config.workflowBundlePath } } : {}),
      ...(tracing ? { tracing: tracing.options } : {}),
    });
    log.info(
      { task_queue: config.taskQueue, temporal: target.address, namespace: target.namespace, payload_encryption: config.payloadEncryption ? `on (key ${config.payloadEncryption.activeKeyId})` : 'off', metrics: metricsAddress ? `http://${metricsAddress}/metrics` : 'off', tracing: tracing?.tracesUrl ?? 'off' },
      'worker polling',
    );
    // Liveness/readiness for an orchestrator (WORKER_HEALTH_ADDRESS; off by default).
    const health = healthAddress ? await serveWorkerHealth(worker, connection, healthAddress) : undefined;
    log.info({ identity, health: health ? `${health.url}/livez, ${health.url}/readyz` : 'off' }, 'worker identity');
    // The sweeps' schedules follow this worker's settings (FLEET_SCHEDULES=off leaves them alone).
    if (config.fleet.schedules) await keepSweepSchedules(target, config, log);
    try {
      await worker.run();
    } finally {
      await health?.close();
    }
  } finally {
    deps.mail.transport.close();
    await connection.close();
    await database.close();
    await tracing?.shutdown();
  }
}

/** Never stops the worker: lifecycle work matters more than a schedule, and the log says how to fix it. */
async function keepSweepSchedules(target: TemporalTarget, config: WorkerConfig, log: Logger): Promise<void> {
  try {
    // A Client needs a connection of @temporalio/client's own, not the worker's NativeConnection.
    const client = await connectClient(target, hostflowDataConverter(config.payloadEncryption));
    try {
      const outcomes = await ensureSchedules(client, { taskQueue: config.taskQueue, healthIntervalMs: config.fleet.healthSweepIntervalMs, driftIntervalMs: config.fleet.driftSweepIntervalMs });
      log.info({ schedules: outcomes.map((o) => `${o.outcome} ${o.scheduleId} (every ${formatInterval(o.intervalMs)})`) }, 'sweep schedules kept');
    } finally {
      await client.connection.close();
    }
  } catch (error) {
    log.error({ err: error }, 'could not create or update the sweep schedules: health and drift sweeps will not start on their own until `npm run schedules` succeeds (FLEET_SCHEDULES=off if you keep them yourself)');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
