// Two stand-ins for the API, for the API cost figure: Express with a JSON body, served like the API
// (api/server.ts) with the API's own Temporal client and gateway, and nothing else of its request
// handling (no signature, nonce, rate limit, validation, request log or metrics).
//  - BENCH_FRONT=hop: straight to the start. What it costs over a bare signalWithStart is the HTTP
//    hop itself, which any API in front of Temporal pays.
//  - BENCH_FRONT=create: the API's own create (api/create-instance.ts: the read-model statement
//    committed first, then the start). What it costs over `hop` is that write.
// What the real API costs over `create` is the rest of its request handling.
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import pino from 'pino';
import { createInstance } from '../../api/create-instance';
import type { CreateInstanceBody } from '../../api/schemas';
import { serve } from '../../api/server';
import { createTemporalGateway } from '../../api/temporal-gateway';
import { loadApiConfig } from '../../config/api-config';
import { hostflowDataConverter } from '../../config/data-converter';
import { openDatabase } from '../../schema/db';
import { startArgs } from '../start-args';
import { fail, onStop, send } from './ipc';

async function main(): Promise<void> {
  const mode = process.env.BENCH_FRONT;
  if (mode !== 'hop' && mode !== 'create') throw new Error(`BENCH_FRONT must be hop or create, not ${String(mode)}`);
  const config = loadApiConfig();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter: hostflowDataConverter(config.payloadEncryption) });
  const temporal = createTemporalGateway(client, { taskQueue: config.taskQueue });
  const database = mode === 'create' ? openDatabase(config.databaseUrl!, { max: Number(process.env.BENCH_DB_POOL ?? 20) }) : undefined;

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/api/instances', async (req, res) => {
    const body = req.body as CreateInstanceBody;
    if (database) {
      const { instance, operation } = await createInstance({ db: database.db, temporal, config }, body, { requestedBy: 'api-key:bench', idempotencyKey: undefined });
      res.status(202).json({ id: instance.id, status: instance.status, operation: { id: operation.id, type: operation.type, seq: operation.seq, status: operation.status } });
      return;
    }
    const { input, provision } = startArgs({ ...body, hostname: body.hostname ?? `vps-${body.whmcs_service_id}` });
    await temporal.startInstance(input, provision);
    res.status(202).json({ id: input.instance.instanceId, status: 'provisioning', operation: { id: provision.operationId, type: 'provision', seq: 1, status: 'queued' } });
  });

  const logger = pino({ level: 'silent' });
  const running = await serve(app, {
    port: Number(process.env.API_PORT),
    host: '127.0.0.1',
    logger,
    closers: [
      { name: 'temporal', close: () => connection.close() },
      ...(database ? [{ name: 'postgres', close: () => database.close() }] : []),
    ],
  });
  onStop(() => running.shutdown('bench finished'));
  send({ type: 'ready', port: running.port });
}

main().catch(fail);
