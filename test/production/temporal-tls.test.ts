// Temporal Cloud's way of connecting, proven on the real server: its frontend started with mutual
// TLS (test/production/tls-cluster.ts, certificates made in the test), Hostflow's real API and
// worker processes given only the standard TEMPORAL_TLS_* variables, read by config/temporal.ts
// through @temporalio/envconfig, provision an instance on it; a temporal.toml profile does the
// same for a client; a client without the client certificate, or without TLS, is refused.
// Runs in the cluster-backed run (HOSTFLOW_TEST_TEMPORAL=cluster), which has the server built.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectClient, temporalTarget } from '../../config/temporal';
import { createInstance, untilStatus } from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { startProcessPair } from './process-pair';
import { startTlsCluster, type TlsCluster } from './tls-cluster';

const onCluster = process.env.HOSTFLOW_TEST_TEMPORAL === 'cluster';

(onCluster ? describe : describe.skip)('Temporal with mutual TLS', () => {
  jest.setTimeout(240_000);
  let cluster: TlsCluster;
  let stack: Stack;
  let provisionWorkflowId: string;

  beforeAll(async () => {
    cluster = await startTlsCluster();
    // The stack gives the settings (sandbox providers, Postgres, secrets); its own API and worker
    // stay on the run's server and take no part.
    stack = await startStack({ worker: false });
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
    await cluster?.stop();
  });

  it('runs a provision with the API and worker processes connected by TEMPORAL_TLS_* (client certificate)', async () => {
    // It runs on the TLS server: read back through config/temporal.ts with the same variables.
    const client = await connectClient(temporalTarget(cluster.clientEnv));
    try {
      const pair = await startProcessPair(stack, {
        env: cluster.clientEnv,
        temporal: { address: cluster.address, namespace: cluster.namespace },
        workflowBundle: process.env.HOSTFLOW_TEST_WORKFLOW_BUNDLE!,
      });
      try {
        const created = await createInstance(pair.stack);
        await untilStatus(pair.stack, created.id, 'running');
        provisionWorkflowId = `instance-${created.id}/provision-1`;
        // `running` is written by the provision's last activity; the child completes a moment later, on this worker.
        await client.workflow.getHandle(provisionWorkflowId).result();
      } finally {
        await pair.close();
      }
      const described = await client.workflow.getHandle(provisionWorkflowId).describe();
      expect(described.status.name).toBe('COMPLETED');
    } finally {
      await client.connection.close();
    }
  });

  it('connects through a temporal.toml profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) as well', async () => {
    const file = path.join(cluster.certs.dir, 'temporal.toml');
    const { certs } = cluster;
    writeFileSync(file, [
      '[profile.hostflow-tls]',
      `address = "${cluster.address}"`,
      `namespace = "${cluster.namespace}"`,
      '[profile.hostflow-tls.tls]',
      `client_cert_path = "${certs.clientCert}"`,
      `client_key_path = "${certs.clientKey}"`,
      `server_ca_cert_path = "${certs.caCert}"`,
      `server_name = "${cluster.serverName}"`,
      '',
    ].join('\n'));
    const client = await connectClient(temporalTarget({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'hostflow-tls' }));
    try {
      expect((await client.workflow.getHandle(provisionWorkflowId).describe()).status.name).toBe('COMPLETED');
    } finally {
      await client.connection.close();
    }
  });

  it('refuses a client without the client certificate, and one without TLS', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...withoutClientCert } = cluster.clientEnv;
    await expect(connectClient(temporalTarget(withoutClientCert))).rejects.toThrow();
    await expect(connectClient(temporalTarget({ TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace }))).rejects.toThrow();
  });
});

if (!onCluster) it('runs in the cluster-backed run only (HOSTFLOW_TEST_TEMPORAL=cluster)', () => undefined);
