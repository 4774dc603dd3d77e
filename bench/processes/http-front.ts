// The floor of any HTTP API in front of Temporal, for the API cost figure: Express with a JSON body
// and the API's own Temporal client and gateway, and nothing of Hostflow's request handling — no
// signature, nonce, rate limit, validation, logging, metrics or read-model write. Whatever this
// process costs over a bare signalWithStart is the HTTP hop itself; whatever the real API costs
// over this process is Hostflow's own work on the request.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { loadApiConfig } from '../../config/api-config';
import { hostflowDataConverter } from '../../config/data-converter';
import { createTemporalGateway } from '../../api/temporal-gateway';
import { fail, onStop, send } from './ipc';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', dataConverter: hostflowDataConverter(config.payloadEncryption) });
  const temporal = createTemporalGateway(client, { taskQueue: config.taskQueue });

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/api/instances', async (req, res, next) => {
    try {
      const body = req.body as { whmcs_service_id: number; whmcs_client_id: number; plan: string; region: string; hostname: string };
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
  });
}

main().catch(fail);
