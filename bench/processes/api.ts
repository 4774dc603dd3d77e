// The API as its own process, like api/main.ts, with two bench differences: the per-key rate
// limit is lifted (the load generator signs everything with one key, and the figure is the
// orchestration's cost, not the limiter's), and logging is silent.
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../api/app';
import { serve } from '../../api/server';
import { createTemporalGateway } from '../../api/temporal-gateway';
import { hostflowDataConverter } from '../../config/data-converter';
import { loadApiConfig } from '../../config/api-config';
import { openDatabase } from '../../schema/db';
import { fail, onStop, send } from './ipc';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const logger = pino({ level: 'silent' });
  const database = openDatabase(config.databaseUrl!, { max: Number(process.env.BENCH_DB_POOL ?? 20) });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter: hostflowDataConverter(config.payloadEncryption) });
  const app = createApp({
    config,
    database,
    temporal: createTemporalGateway(client, { taskQueue: config.taskQueue }),
    logger,
    rateLimits: { perKeyPerMinute: 1e9, perIpPerMinute: 1e9 },
  });
  const running = await serve(app, {
    port: config.api.port,
    host: '127.0.0.1',
    logger,
    closers: [
      { name: 'temporal', close: () => connection.close() },
      { name: 'postgres', close: () => database.close() },
    ],
  });
  onStop(() => running.shutdown('bench finished'));
  send({ type: 'ready', port: running.port });
}

main().catch(fail);
