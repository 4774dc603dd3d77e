// Once per `npm test`: one Temporal dev server (temporal-dev.yaml, random ports, in memory, with
// its Web UI for the operator tests),
// one Postgres (a fresh database on DATABASE_URL's server when set, else embedded PGlite), the
// migrations, and one workflow bundle. Test files find them through HOSTFLOW_TEST_* variables.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../schema/embedded-postgres';
import { runMigrations } from '../../schema/migrate';
import { createThrowawayDatabase } from '../../schema/throwaway-database';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { startClusterForTests } from './cluster';
import { writeWorkflowBundle } from '../../scripts/lib/workflow-bundle';
import { WORKFLOWS_PATH } from '../../workers/worker';

interface Running {
  stop(): Promise<void>;
}
const globals = globalThis as typeof globalThis & { __hostflowTest?: Running[] };

export default async function globalSetup(): Promise<void> {
  const running: Running[] = (globals.__hostflowTest = []);
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

  const [temporal, database, bundlePath] = await Promise.all([
    // HOSTFLOW_TEST_TEMPORAL=cluster: the real server on Postgres (4 shards, databases of this run).
    process.env.HOSTFLOW_TEST_TEMPORAL === 'cluster'
      ? startClusterForTests(log)
      : startTemporalDevServer({ ports: 'random', dbFile: null, log: process.env.HOSTFLOW_TEST_VERBOSE ? log : undefined }),
    testDatabase(running),
    bundleOnce(),
  ]);
  running.push(temporal);
  await runMigrations(database);

  process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.HOSTFLOW_TEST_NAMESPACE = temporal.namespace;
  process.env.HOSTFLOW_TEST_WEB_UI = temporal.uiUrl;
  process.env.HOSTFLOW_TEST_DATABASE_URL = database;
  process.env.HOSTFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.HOSTFLOW_TEST_TEMPORAL_CLI_PID = String(temporal.process.pid);
}

/** CI sets DATABASE_URL to a real Postgres: use a database of our own there, so runs never collide. */
async function testDatabase(running: Running[]): Promise<string> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres();
    running.push(embedded);
    return embedded.url;
  }
  const database = await createThrowawayDatabase(serverUrl, 'test');
  running.push({ stop: database.drop });
  return database.url;
}

function bundleOnce(): Promise<string> {
  return writeWorkflowBundle(WORKFLOWS_PATH, path.join(mkdtempSync(path.join(os.tmpdir(), 'hostflow-bundle-')), 'workflows.js'));
}
