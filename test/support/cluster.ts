// HOSTFLOW_TEST_TEMPORAL=cluster: the run's Temporal is the real server (scripts/lib/temporal-cluster.ts)
// on DATABASE_URL's Postgres (default 127.0.0.1:5432), in two databases of this run only, dropped
// at teardown. Its Web UI runs when the UI server was built (HOSTFLOW_TEST_WEB_UI is '' otherwise).
// Small server pools (8 + 4): with 2 API and 2 worker processes per stack (10 connections each) the
// run stays well under Postgres's default 100 connections.
import type { ChildProcess } from 'node:child_process';
import { dropClusterDatabases, startTemporalCluster } from '../../scripts/lib/temporal-cluster';

export async function startClusterForTests(log: (line: string) => void): Promise<{ address: string; namespace: string; uiUrl: string; process: ChildProcess; stop(): Promise<void> }> {
  const server = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = '/postgres';
  const suffix = `${process.pid}_${Date.now()}`;
  const databases = { serverUrl: server.toString(), persistence: `temporal_test_${suffix}`, visibility: `temporal_vis_test_${suffix}` };
  const started = Date.now();
  const cluster = await startTemporalCluster({ databases, ports: 'random', ui: true, maxConns: { persistence: 8, visibility: 4 }, log: process.env.HOSTFLOW_TEST_VERBOSE ? log : () => {} });
  log(`Temporal cluster (4 shards, Postgres) ready at ${cluster.address} in ${Date.now() - started} ms; server log ${cluster.logFile}`);
  return {
    ...cluster,
    async stop() {
      await cluster.stop();
      await dropClusterDatabases(databases).catch(() => undefined);
    },
  };
}
