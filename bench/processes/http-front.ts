// Two stand-ins for the API, for the API cost figure: Express with a JSON body and the API's own
// Temporal client and gateway, and nothing else of Hostflow's request handling (no signature,
// nonce, rate limit, validation, logging or metrics).
//  - BENCH_FRONT=hop: straight to the start. What it costs over a bare signalWithStart is the HTTP
//    hop itself, which any API in front of Temporal pays.
//  - BENCH_FRONT=create: the API's own create path (api/create-instance.ts: the read-model
//    statement committed first, then the start). What it costs over `hop` is that write.
// What the real API costs over `create` is the rest of its request handling.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { loadApiConfig } from '../../config/api-config';
import { hostflowDataConverter } from '../../config/data-converter';
import { createOrderedInstance } from '../../api/create-instance';
import { createTemporalGateway } from '../../api/temporal-gateway';
import { openDatabase } from '../../schema/db';
import { fail, onStop, send } from './ipc';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter: hostflowDataConverter(config.payloadEncryption) });
  const temporal = createTemporalGateway(client, { taskQueue: config.taskQueue });
  const database = process.env.BENCH_FRONT === 'create' ? openDatabase(config.databaseUrl!, { max: Number(process.env.BENCH_DB_POOL ?? 20) }) : undefined;

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/api/instances', async (req, res, next) => {
    try {
      const body = req.body as { whmcs_service_id: number; whmcs_client_id: number; email: string; plan: string; region: string; hostname: string };
      if (database) {
        const order = {
          reference: { source: 'whmcs' as const, ref: String(body.whmcs_service_id) },
          whmcs: { serviceId: body.whmcs_service_id, clientId: body.whmcs_client_id },
          email: body.email,
          plan: body.plan,
          region: body.region,
          subdomain: body.hostname,
          sshKeys: [],
        };
        const { instance, operation } = await createOrderedInstance({ db: database.db, temporal, config }, order, { requestedBy: 'api-key:bench', idempotencyKey: undefined });
        res.status(202).json({ id: instance.id, status: instance.status, operation: { id: operation.id, type: operation.type, seq: operation.seq, status: operation.status } });
        return;
      }
      const instanceId = randomUUID();
      const operationId = randomUUID();
      await temporal.startInstance(
        {
          instance: { instanceId, customerId: String(body.whmcs_client_id), serviceId: String(body.whmcs_service_id), plan: body.plan, region: body.region, subdomain: body.hostname, sshKeys: [] },
          readyTimeoutMs: config.provisionReadyTimeoutMs,
          billing: config.billing.policy,
        },
        { operationId, type: 'provision', seq: 1, args: {}, idempotencyKey: 'provision', requestedBy: 'api-key:bench' },
      );
      res.status(202).json({ id: instanceId, status: 'provisioning', operation: { id: operationId, type: 'provision', seq: 1, status: 'queued' } });
    } catch (error) {
      next(error);
    }
  });

  const server = app.listen(Number(process.env.API_PORT), '127.0.0.1', () => {
    const address = server.address();
    send({ type: 'ready', port: typeof address === 'object' && address ? address.port : undefined });
  });
  onStop(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.close();
    await database?.close();
  });
}

main().catch(fail);
