// Once per `npm test`: one Temporal dev server (temporal-dev.yaml, random ports, in memory, with
// its Web UI for the operator tests),
// one Postgres (a fresh database on DATABASE_URL's server when set, else embedded PGlite), the
// migrations, and one workflow bundle. Test files find them through HOSTFLOW_TEST_* variables.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../schema/embedded-postgres';
import { runMigrations } from '../../schema/migrate';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { WORKFLOWS_PATH } from '../../workers/worker';

interface Running {
  stop(): Promise<void>;
}
const globals = globalThis as typeof globalThis & { __hostflowTest?: Running[] };

export default async function globalSetup(): Promise<void> {
  const running: Running[] = (globals.__hostflowTest = []);
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

  const [temporal, database, bundlePath] = await Promise.all([
    startTemporalDevServer({ ports: 'random', dbFile: null, log: process.env.HOSTFLOW_TEST_VERBOSE ? log : undefined }),
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
  const name = `hostflow_test_${process.pid}_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  running.push({
    async stop() {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await cleanup.end();
    },
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function bundleOnce(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hostflow-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  return file;
}
