// One Hostflow for a benchmark run, wired as production runs it: the Temporal dev server from
// temporal-dev.yaml (random ports, a SQLite file in a temp folder, so the pragmas apply), Postgres
// (a fresh database on DATABASE_URL's server, else embedded PGlite in its own process), the
// sandbox with zero provider and boot delays, the API in its own process, and worker processes.
import { Client, Connection } from '@temporalio/client';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { dataConverterFromEnv } from '../config/data-converter';
import { payloadEncryptionEnv } from '../config/payload-encryption';
import { signRequest } from '../config/request-signing';
import { sandboxProviderEnv, startSandbox, type Sandbox } from '../sandbox';
import { freePort } from '../schema/embedded-postgres';
import { runMigrations } from '../schema/migrate';
import { createThrowawayDatabase } from '../schema/throwaway-database';
import { dropClusterDatabases, startTemporalCluster } from '../scripts/lib/temporal-cluster';
import { loadDevServerConfig, startTemporalDevServer, type DevServer, type DevServerConfig } from '../scripts/lib/temporal-dev-server';
import { writeWorkflowBundle } from '../scripts/lib/workflow-bundle';
import { WORKFLOWS_PATH } from '../workers/worker';
import type { ChildMessage, ParentMessage } from './processes/ipc';
import { withWorkerProcessEnv } from '../workers/process-env';

export const BENCH_API_KEY = 'bench-key';
export const BENCH_API_SECRET = 'bench-secret-0123456789abcdef';
const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
const CALLBACK_SECRET = 'bench-callback-secret-0123456789';
const ROOT = path.resolve(__dirname, '..');
const PROCESS_READY_TIMEOUT_MS = 120_000;

/** The sandbox as the overhead figure defines it: providers answer at once, the VM boots at once. */
export const ZERO_DELAY_SANDBOX = {
  actionDurationMs: 0,
  bootDelayMs: 0,
  shutdownDelayMs: 0,
  // Thousands of provisions in a few minutes would drain the real providers' budgets; the figures
  // are about orchestration, so the stand-ins do not rate-limit.
  hetznerRateLimit: { limit: 1e9, refillPerSecond: 1e9 },
  cloudflareRateLimit: { limit: 1e9, windowSeconds: 1 },
} as const;

/** How often activities re-read a provider while waiting (production: 1000 ms). */
export const POLL_INTERVAL_MS = 20;

export interface ChildHandle {
  process: ChildProcess;
  ready: Extract<ChildMessage, { type: 'ready' }>;
  /** Graceful: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL and wait until it is gone. */
  kill(): Promise<void>;
  memory(): Promise<Extract<ChildMessage, { type: 'memory' }>>;
  /** Whether stop() or kill() was asked for (an exit is then expected). */
  ending(): boolean;
  /** Its last stderr lines. */
  tail(): string[];
}

export type WorkerKind = 'hostflow' | 'baseline';

/** Which Temporal the stack runs on: the dev server (temporal-dev.yaml) or the real server on Postgres (infra/temporal-cluster.yaml). */
export type ServerKind = 'dev' | 'cluster';

/** The real server's Postgres pools for a bench run (the config's 20 + 10 would crowd Postgres's 100 connections). */
export const BENCH_CLUSTER_POOLS = { persistence: 8, visibility: 4 } as const;

export interface Harness {
  server: ServerKind;
  temporal: Pick<DevServer, 'address' | 'namespace' | 'stop' | 'metricsUrl'>;
  devServerConfig: DevServerConfig;
  client: Client;
  sandbox: Sandbox;
  /** postgres.js on the run's database, for watching the read model. */
  sql: postgres.Sql;
  databaseKind: 'embedded PGlite' | 'Postgres (DATABASE_URL)';
  apiUrl: string;
  taskQueue: string;
  baselineTaskQueue: string;
  bundles: { hostflow: string; baseline: string };
  /** Environment for a Hostflow process (API or worker) on this stack. */
  hostflowEnv(overrides?: Record<string, string>): NodeJS.ProcessEnv;
  startWorker(kind: WorkerKind, options?: { taskQueue?: string; exposeGc?: boolean; env?: Record<string, string> }): Promise<ChildHandle>;
  /** Another API process (e.g. on a task queue no worker polls). */
  startApi(options: { taskQueue: string }): Promise<{ url: string; handle: ChildHandle }>;
  /** bench/processes/http-front.ts on `taskQueue`: Express, the API's Temporal gateway and (`create`) its create path, nothing else. */
  startHttpFront(options: { taskQueue: string; mode: 'hop' | 'create' }): Promise<{ url: string; handle: ChildHandle }>;
  /** Resolves when the baseline reports `key` done (its last activity POSTs here). */
  baselineDone(key: string): Promise<void>;
  signedRequest(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Signature v2 headers for a request to `url` (its path and query are signed), plus the content type. */
export function signedHeaders(method: string, url: string | URL, raw: string, idempotencyKey?: string): Record<string, string> {
  const { pathname, search } = new URL(url);
  return {
    ...(raw ? { 'Content-Type': 'application/json' } : {}),
    ...signRequest({ key: BENCH_API_KEY, secret: BENCH_API_SECRET }, { method, target: `${pathname}${search}`, body: raw, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }),
  };
}

export async function startHarness(options: { log: (line: string) => void; server?: ServerKind; env?: Record<string, string> }): Promise<Harness> {
  const { log } = options;
  const server = options.server ?? 'dev';
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    }
  };
  try {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostflow-bench-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const devServerConfig = loadDevServerConfig();

    log('starting Temporal, Postgres and the workflow bundles');
    const [temporal, database, bundles] = await Promise.all([
      server === 'cluster' ? startBenchCluster(log, cleanups) : startTemporalDevServer({ config: devServerConfig, ports: 'random', dbFile: path.join(tmp, 'temporal.sqlite'), headless: true }),
      startDatabase(),
      buildBundles(tmp),
    ]);
    cleanups.push(() => temporal.stop());
    cleanups.push(() => database.stop());
    await runMigrations(database.url);

    const sql = postgres(database.url, { max: 4, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 5 }));
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    // PAYLOAD_ENCRYPTION_KEYS set for the run: the bench measures Hostflow with encryption on.
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter: dataConverterFromEnv(process.env) });

    const sandbox = await startSandbox(ZERO_DELAY_SANDBOX);
    cleanups.push(() => sandbox.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    const children = new Set<ChildHandle>();
    cleanups.push(async () => {
      await Promise.all([...children].map((c) => c.stop()));
    });
    const track = (handle: ChildHandle, name: string) => {
      children.add(handle);
      handle.process.once('exit', (code, signal) => {
        children.delete(handle);
        // A child that dies on its own mid-run (a worker whose run() failed) would otherwise only
        // show as provisions that never finish.
        if (!handle.ending()) log(`${name} (pid ${handle.process.pid}) exited unexpectedly (${code ?? signal}):\n${handle.tail().join('\n')}`);
      });
      return handle;
    };

    const taskQueue = `hostflow-bench-${randomUUID()}`;
    const baselineTaskQueue = `baseline-bench-${randomUUID()}`;
    const hostflowEnv = (overrides: Record<string, string> = {}, apiPort?: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      // Worker tuning a reader may want to compare (README, Configuration), passed through.
      ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      ...payloadEncryptionEnv(process.env),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...sandboxProviderEnv(sandbox),
      EMAIL_FROM: 'Hostflow <noreply@hostflow.test>',
      WHMCS_API_KEY: BENCH_API_KEY,
      WHMCS_HMAC_SECRET: BENCH_API_SECRET,
      CALLBACK_SECRET,
      BILLING_WEBHOOK_URL: `${receiver.url}/billing`,
      BILLING_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      API_URL: `http://127.0.0.1:${apiPort ?? mainApiPort}`,
      API_PORT: String(apiPort ?? mainApiPort),
      PROVISION_READY_TIMEOUT: '15m',
      LOG_LEVEL: 'silent',
      BENCH_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      BENCH_REPORT_URL: `${receiver.url}/done`,
      ...options.env,
      ...overrides,
    });

    const startApi = async ({ taskQueue: queue }: { taskQueue: string }) => {
      const port = await freePort();
      const handle = track(await forkChild('processes/api.ts', hostflowEnv({ TEMPORAL_TASK_QUEUE: queue }, port)), `API on ${queue}`);
      return { url: `http://127.0.0.1:${handle.ready.port}`, handle };
    };
    const startHttpFront: Harness['startHttpFront'] = async ({ taskQueue: queue, mode }) => {
      const port = await freePort();
      const handle = track(await forkChild('processes/http-front.ts', hostflowEnv({ TEMPORAL_TASK_QUEUE: queue, BENCH_FRONT: mode }, port)), `HTTP front (${mode}) on ${queue}`);
      return { url: `http://127.0.0.1:${handle.ready.port}`, handle };
    };

    // The VPS calls the API back, so the API's port is fixed before any worker's config.
    const mainApiPort = await freePort();
    const api = track(await forkChild('processes/api.ts', hostflowEnv({}, mainApiPort)), 'API');
    const apiUrl = `http://127.0.0.1:${api.ready.port!}`;

    const startWorker: Harness['startWorker'] = async (kind, opts = {}) => {
      const env = hostflowEnv({
        BENCH_WORKER_KIND: kind,
        BENCH_WORKFLOW_BUNDLE: kind === 'hostflow' ? bundles.hostflow : bundles.baseline,
        BENCH_BASELINE_TASK_QUEUE: opts.taskQueue ?? baselineTaskQueue,
        ...(kind === 'hostflow' && opts.taskQueue ? { TEMPORAL_TASK_QUEUE: opts.taskQueue } : {}),
        ...opts.env,
      });
      return track(await forkChild('processes/worker.ts', withWorkerProcessEnv(env), opts.exposeGc ? ['--expose-gc'] : []), `${kind} worker`);
    };

    log(`ready: Temporal ${temporal.address}, ${database.kind}, API ${apiUrl}`);
    return {
      server,
      temporal,
      devServerConfig,
      client,
      sandbox,
      sql,
      databaseKind: database.kind,
      apiUrl,
      taskQueue,
      baselineTaskQueue,
      bundles,
      hostflowEnv: (overrides) => hostflowEnv(overrides),
      startWorker,
      startApi,
      startHttpFront,
      baselineDone: receiver.waitFor,
      signedRequest: async (method, url, body, headers = {}) => {
        const raw = body === undefined ? '' : JSON.stringify(body);
        const { 'Idempotency-Key': idempotencyKey, ...otherHeaders } = headers;
        const response = await fetch(url, { method, headers: { ...signedHeaders(method, url, raw, idempotencyKey), ...otherHeaders }, body: raw || undefined });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The real server with databases of the run's own (never `temporal`, which `npm run temporal:cluster`
 * uses), free ports and small pools; dropped after it stops. Uses the cached binaries only when
 * they exist: the caller checks (run.ts), so a bench never starts a 13-minute Go build.
 */
async function startBenchCluster(log: (line: string) => void, cleanups: (() => Promise<void>)[]) {
  const suffix = `${process.pid}_${Date.now()}`;
  const serverUrl = new URL(process.env.TEMPORAL_CLUSTER_DB_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  serverUrl.pathname = '/postgres';
  const databases = { serverUrl: serverUrl.toString(), persistence: `hostflow_bench_temporal_${suffix}`, visibility: `hostflow_bench_temporal_vis_${suffix}` };
  cleanups.push(() => dropClusterDatabases(databases));
  const cluster = await startTemporalCluster({ databases, ports: 'random', ui: false, maxConns: BENCH_CLUSTER_POOLS, log: (line) => log(`cluster: ${line}`) });
  log(`Temporal cluster (4 shards, Postgres ${databases.persistence}) at ${cluster.address}`);
  return cluster;
}

async function startDatabase(): Promise<{ url: string; kind: Harness['databaseKind']; stop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const database = await createThrowawayDatabase(serverUrl, 'bench');
    return { url: database.url, kind: 'Postgres (DATABASE_URL)', stop: database.drop };
  }
  const child = await forkChild('processes/postgres.ts', { PATH: process.env.PATH, HOME: process.env.HOME });
  return { url: child.ready.url!, kind: 'embedded PGlite', stop: () => child.stop() };
}

async function buildBundles(tmp: string): Promise<{ hostflow: string; baseline: string }> {
  const [hostflow, baseline] = await Promise.all([
    writeWorkflowBundle(WORKFLOWS_PATH, path.join(tmp, 'hostflow-workflows.js')),
    writeWorkflowBundle(require.resolve('./baseline-workflows'), path.join(tmp, 'baseline-workflows.js')),
  ]);
  return { hostflow, baseline };
}

/** Receives the billing webhook (answers 204, like a billing system) and the baseline's completion reports. */
async function startReceiver(): Promise<{ url: string; waitFor(key: string): Promise<void>; close(): Promise<void> }> {
  const waiting = new Map<string, () => void>();
  const arrived = new Set<string>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/done/')) {
        const key = decodeURIComponent(url.slice('/done/'.length));
        const resolve = waiting.get(key);
        if (resolve) {
          waiting.delete(key);
          resolve();
        } else arrived.add(key);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waitFor: (key) =>
      new Promise<void>((resolve) => {
        if (arrived.delete(key)) resolve();
        else waiting.set(key, resolve);
      }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** fork() a bench process under tsx and wait for its 'ready' message. */
export function forkChild(script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<ChildHandle> {
  return spawnReady(path.join(__dirname, script), [], env, ['--import', 'tsx', ...execArgv]);
}

/** The same for any module (e.g. the real workers/main.ts); `ready` is then its first stdout line matching `readyLine`. */
export function spawnReady(
  modulePath: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  execArgv: string[],
  readyLine?: RegExp,
): Promise<ChildHandle> {
  const child = fork(modulePath, args, { cwd: ROOT, env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const memoryWaiters: ((m: Extract<ChildMessage, { type: 'memory' }>) => void)[] = [];
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'memory') memoryWaiters.shift()?.(m);
  });
  let ending = false;
  const handle = (ready: ChildHandle['ready']): ChildHandle => ({
    process: child,
    ready,
    ending: () => ending,
    tail: () => [...tail],
    async stop() {
      ending = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      ending = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    memory() {
      return new Promise((resolve) => {
        memoryWaiters.push(resolve);
        child.send({ type: 'memory', gc: true } satisfies ParentMessage);
      });
    },
  });
  return new Promise<ChildHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.relative(ROOT, modulePath)} was not ready within ${PROCESS_READY_TIMEOUT_MS / 1000}s:\n${tail.join('\n')}`));
    }, PROCESS_READY_TIMEOUT_MS);
    const ok = (ready: ChildHandle['ready']) => {
      clearTimeout(timer);
      resolve(handle(ready));
    };
    if (readyLine) {
      // Its log goes to stdout: kept in the tail too, so a failure can quote it.
      let buf: string | undefined = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        keep(chunk);
        if (buf === undefined) return;
        buf += chunk.toString('utf8');
        if (readyLine.test(buf)) {
          buf = undefined;
          ok({ type: 'ready' });
        }
      });
    } else {
      child.stdout?.resume();
    }
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') ok(m);
      if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${path.relative(ROOT, modulePath)} failed: ${m.message}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${path.relative(ROOT, modulePath)} exited (${code ?? signal}) before it was ready:\n${tail.join('\n')}`));
    });
  });
}
