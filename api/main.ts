// The API process: config, Postgres, Temporal, HTTP; SIGTERM/SIGINT drain and close.
import { Client, Connection } from '@temporalio/client';
import { hostflowDataConverter } from '../config/data-converter';
import { loadApiConfig } from '../config/api-config';
import { ConfigError } from '../config/env';
import { connectClient, temporalTarget } from '../config/temporal';
import { openDatabase } from '../schema/db';
import { createApp } from './app';
import { createLogger } from './logging';
import { createApiMetrics } from './metrics';
import { serveMetrics } from './metrics-server';
import { serve } from './server';
import { createTemporalGateway } from './temporal-gateway';
import { startApiTracing } from './tracing';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = createLogger(config.logLevel);
  if (!config.databaseUrl) {
    throw new ConfigError(['DATABASE_URL: not set; point it at Postgres (`npm start` serves the embedded one and sets it)']);
  }
  const database = openDatabase(config.databaseUrl);
  const target = temporalTarget();
  const dataConverter = hostflowDataConverter(config.payloadEncryption);
  // OpenTelemetry spans for workflow starts and signals (off unless configured; config/tracing.ts).
  const tracing = await startApiTracing();
  const interceptors = tracing?.clientInterceptors ?? {};
  let client: Client;
  try {
    client = await connectClient(target, dataConverter, interceptors);
  } catch (error) {
    // Start anyway: /api/health reports Temporal down, and the lazy connection retries on use.
    logger.warn({ err: error, address: target.address }, 'Temporal is not answering yet; starting with a lazy connection');
    client = new Client({ connection: Connection.lazy(target.connectionOptions as Parameters<typeof Connection.lazy>[0]), namespace: target.namespace, dataConverter, interceptors });
  }
  const temporal = createTemporalGateway(client, { taskQueue: config.taskQueue });
  const metrics = createApiMetrics();
  const app = createApp({ config, database, temporal, logger, metrics });
  const metricsListener = config.api.metrics ? await serveMetrics(metrics, config.api.metrics) : undefined;
  const running = await serve(app, {
    port: config.api.port,
    logger,
    closers: [
      ...(metricsListener ? [{ name: 'metrics', close: metricsListener.close }] : []),
      { name: 'temporal', close: () => client.connection.close() },
      { name: 'postgres', close: () => database.close() },
      ...(tracing ? [{ name: 'tracing', close: tracing.shutdown }] : []),
    ],
  });
  logger.info({ port: running.port, metrics: metricsListener?.url ?? 'off', temporal: target.address, namespace: target.namespace, task_queue: config.taskQueue, tracing: tracing?.tracesUrl ?? 'off' }, 'API listening');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
