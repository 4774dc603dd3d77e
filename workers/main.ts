// The worker process: `npm run worker` (the dev launcher starts one). Reads configuration,
// connects to Temporal (TEMPORAL_* environment) and Postgres (DATABASE_URL), and runs until
// SIGINT/SIGTERM, which the SDK turns into a graceful shutdown.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/env';
import { temporalTarget } from '../config/temporal';
import { openDatabase } from '../schema/db';
import { buildActivityDeps } from './activity-deps';
import { createHostflowWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the worker needs the Postgres read model (npm start sets it for the embedded one).');
  const target = temporalTarget();
  const database = openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await createHostflowWorker({
      connection,
      namespace: target.namespace,
      taskQueue: config.taskQueue,
      deps: buildActivityDeps(config, database.db),
    });
    console.log(`worker: polling task queue ${config.taskQueue} on ${target.address} (namespace ${target.namespace})`);
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
