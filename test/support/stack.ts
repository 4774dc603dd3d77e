// A whole Hostflow for one test file: sandbox providers, the API on a real port, a worker on a
// task queue of its own, and a billing-webhook receiver, wired to the run's Temporal server and
// Postgres (see global-setup.ts). Everything goes through the same code paths as production.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../api/app';
import { createApiMetrics, type ApiMetrics } from '../../api/metrics';
import type { RateLimits } from '../../api/rate-limit';
import { createTemporalGateway, type TemporalGateway } from '../../api/temporal-gateway';
import type { InstanceWorkflowInput } from '../../workflows/domain';
import { hostflowDataConverter } from '../../config/data-converter';
import { loadApiConfig } from '../../config/api-config';
import { loadWorkerConfig, type WorkerConfig } from '../../config/worker-config';
import { payloadEncryptionEnv } from '../../config/payload-encryption';
import { signRequest, verifyV2WithSecret } from '../../config/request-signing';
import { openDatabase, type DatabaseHandle } from '../../schema/db';
import { startTestDatabase } from '../api/support';
import { sandboxProviderEnv, startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';
import { buildActivityDeps } from '../../workers/activity-deps';
import { ensureSchedules } from '../../workers/schedules';
import { createHostflowWorker } from '../../workers/worker';
import { replicaCount, startApiReplicas, startWorkerReplicas, type WorkerReplicas } from './replicas';

export const TEST_API_KEY = 'test-key';
export const TEST_API_SECRET = 'test-secret-0123456789abcdef';
export const TEST_CALLBACK_SECRET = 'test-callback-secret-0123456789';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
/** The Paddle and Stripe webhook secrets of every stack (tests sign provider events with them). */
export const TEST_PADDLE_SECRET = 'pdl_ntfset_test_secret_0123456789';
export const TEST_STRIPE_SECRET = 'whsec_test_secret_0123456789abcdef';

export interface StackOptions {
  sandbox?: SandboxOptions;
  /** Provision's wait for the ready callback. */
  readyTimeout?: string;
  /** false: start without a worker (tests that queue work while every worker is down). */
  worker?: boolean;
  /** Another Temporal server or namespace than the run's (operator tests isolate their batch signals). */
  temporal?: { address?: string; namespace?: string };
  /** Test-only knobs added to every entity workflow's start input (the API itself never sets them). */
  entity?: Pick<InstanceWorkflowInput, 'timings' | 'continueAsNewAfterOperations' | 'billing'>;
  /** The API's rate limits (tests that poll many instances at once raise them). */
  apiRateLimits?: Partial<RateLimits>;
  /** The SDK runtime's log level for the file (installed once per file; default WARN). ERROR hides
   * the "Activity failed" warning of every retried attempt, for tests that inject thousands. */
  runtimeLogLevel?: 'WARN' | 'ERROR';
  /** 'in-process': never the API processes of HOSTFLOW_TEST_REPLICAS (tests that read `apiMetrics`). */
  api?: 'in-process';
  /** Payload encryption (PAYLOAD_ENCRYPTION_KEYS and _ACTIVE_KEY). Default: this process's own
   * settings, so `PAYLOAD_ENCRYPTION_KEYS=… npx jest <folder>` runs any suite encrypted. */
  payloadEncryption?: { keys: string; activeKey: string };
  /** A migrated database of the file's own (on DATABASE_URL's server; without one, an embedded one):
   * the fleet sweeps read every instance, so they must not see or signal other files' instances. */
  ownDatabase?: boolean;
  /** true: the worker keeps the sweep schedules at start, as in production (FLEET_SCHEDULES=on).
   * Default off: tests start sweeps directly, and the schedules' ids are one per namespace, so a
   * test that turns them on takes a namespace of its own. */
  schedules?: boolean;
}

export interface BillingCall {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export interface Stack {
  apiUrl: string;
  /** The API's request metrics (api/main.ts serves them on API_METRICS_ADDRESS; tests serve them themselves). */
  apiMetrics: ApiMetrics;
  /** The worker's settings (the in-process API reads its own from the same environment). */
  config: WorkerConfig;
  /** The Temporal server and namespace the API and the worker use. */
  temporal: { address: string; namespace: string };
  sandbox: Sandbox;
  client: Client;
  database: DatabaseHandle;
  billingCalls: BillingCall[];
  /** What the billing receiver answers (default 204); tests set e.g. 400 to refuse webhooks for good. */
  billingAnswer: { status: number };
  /** The environment the config was loaded from (a worker process started by a test gets the same). */
  env: Record<string, string>;
  /** A signed request, as the WHMCS module sends it. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** env: settings that differ from the stack's for this worker (a rotated PAYLOAD_ENCRYPTION_ACTIVE_KEY). */
  startWorker(options?: { env?: Record<string, string> }): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (npm test), whose global setup starts Temporal and Postgres`);
  return value;
}

let runtimeInstalled = false;

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (!runtimeInstalled) {
    // Worker lifecycle chatter hides the test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger(process.env.HOSTFLOW_TEST_VERBOSE ? 'INFO' : (options.runtimeLogLevel ?? 'WARN')) });
    runtimeInstalled = true;
  }
  const taskQueue = `hostflow-test-${randomUUID()}`;
  const sandbox = await startSandbox({ actionDurationMs: 20, bootDelayMs: 50, shutdownDelayMs: 20, ...options.sandbox });
  const billingCalls: BillingCall[] = [];
  const billingAnswer = { status: 204 };
  const billing = await listen(express().use(express.raw({ type: () => true })).post('/billing', (req, res) => {
    // Verified as a billing system must: an unsigned or mis-signed webhook is refused, not recorded.
    if (!isSignedWebhook(req)) {
      res.status(401).end();
      return;
    }
    billingCalls.push({ headers: req.headers, body: JSON.parse((req.body as Buffer).toString('utf8')) as Record<string, unknown> });
    res.status(billingAnswer.status).end();
  }));

  // The API's port must be known before the config (the VPS calls it back), so listen first.
  const apiServer = await listen(express());
  const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
  // A throwaway database on DATABASE_URL's server, or (a newcomer's run, no DATABASE_URL) an
  // embedded Postgres of its own: never the run's shared one, whose instances the sweeps would see.
  const own = options.ownDatabase ? await startTestDatabase() : undefined;
  const configEnv: Record<string, string> = {
    DATABASE_URL: own?.url ?? env('HOSTFLOW_TEST_DATABASE_URL'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...sandboxProviderEnv(sandbox),
    EMAIL_FROM: 'Hostflow <noreply@hostflow.test>',
    WHMCS_API_KEY: TEST_API_KEY,
    WHMCS_HMAC_SECRET: TEST_API_SECRET,
    CALLBACK_SECRET: TEST_CALLBACK_SECRET,
    BILLING_WEBHOOK_URL: `http://127.0.0.1:${(billing.address() as AddressInfo).port}/billing`,
    BILLING_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    PADDLE_WEBHOOK_SECRETS: TEST_PADDLE_SECRET,
    STRIPE_WEBHOOK_SECRETS: TEST_STRIPE_SECRET,
    API_URL: apiUrl,
    PROVISION_READY_TIMEOUT: options.readyTimeout ?? '30s',
    // The fleet sweeps check the sandbox's VMs and alert to its receiver (sandbox.state().alerts).
    HEALTH_URL_TEMPLATE: sandbox.healthUrlTemplate,
    ALERT_WEBHOOK_URL: sandbox.alertWebhookUrl,
    FLEET_SCHEDULES: options.schedules ? 'on' : 'off',
    LOG_LEVEL: 'silent',
    ...(options.payloadEncryption
      ? { PAYLOAD_ENCRYPTION_KEYS: options.payloadEncryption.keys, PAYLOAD_ENCRYPTION_ACTIVE_KEY: options.payloadEncryption.activeKey }
      : payloadEncryptionEnv(process.env)),
  };
  const config = loadWorkerConfig(configEnv);
  const temporal = {
    address: options.temporal?.address ?? env('HOSTFLOW_TEST_TEMPORAL_ADDRESS'),
    namespace: options.temporal?.namespace ?? env('HOSTFLOW_TEST_NAMESPACE'),
  };

  const database = openDatabase(config.databaseUrl!);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter: hostflowDataConverter(config.payloadEncryption) });
  const apiMetrics = createApiMetrics();
  const app = createApp({
    metrics: apiMetrics,
    config: loadApiConfig(configEnv),
    database,
    temporal: withEntityKnobs(createTemporalGateway(client, { taskQueue }), options.entity),
    logger: pino({ level: 'silent' }),
    ...(options.apiRateLimits ? { rateLimits: options.apiRateLimits } : {}),
  });
  apiServer.removeAllListeners('request');
  // HOSTFLOW_TEST_REPLICAS=2 (CI's cluster run): real API processes behind this URL, unless the
  // test injects knobs only the in-process API takes.
  const replicas = replicaCount();
  const apiReplicas = replicas > 1 && !options.entity && !options.apiRateLimits && options.api !== 'in-process'
    ? await startApiReplicas(replicas, configEnv, temporal)
    : undefined;
  apiServer.on('request', apiReplicas?.proxy ?? app);

  let worker: { worker: Worker; running: Promise<void>; connection: NativeConnection; closeMail: () => void } | undefined;
  let workerReplicas: WorkerReplicas | undefined;
  const startWorker: Stack['startWorker'] = async (startOptions = {}) => {
    if (worker || workerReplicas) return;
    const workerEnv = { ...configEnv, ...startOptions.env };
    const workerConfig = startOptions.env ? loadWorkerConfig(workerEnv) : config;
    if (replicas > 1) {
      workerReplicas = await startWorkerReplicas(replicas, { env: workerEnv, temporal }, env('HOSTFLOW_TEST_WORKFLOW_BUNDLE'));
      return;
    }
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    const deps = buildActivityDeps(workerConfig, database.db, { pollIntervalMs: 20 });
    const w = await createHostflowWorker({
      connection: workerConnection,
      namespace: temporal.namespace,
      taskQueue,
      dataConverter: hostflowDataConverter(workerConfig.payloadEncryption),
      deps,
      workflowBundle: { codePath: env('HOSTFLOW_TEST_WORKFLOW_BUNDLE') },
    });
    worker = { worker: w, running: w.run(), connection: workerConnection, closeMail: () => deps.mail.transport.close() };
    // What workers/main.ts does at start (the replicas above run it themselves).
    if (workerConfig.fleet.schedules) {
      await ensureSchedules(client, { taskQueue, healthIntervalMs: workerConfig.fleet.healthSweepIntervalMs, driftIntervalMs: workerConfig.fleet.driftSweepIntervalMs });
    }
  };
  const stopWorker = async () => {
    await workerReplicas?.stop();
    workerReplicas = undefined;
    if (!worker) return;
    const { worker: w, running, connection: c, closeMail } = worker;
    worker = undefined;
    w.shutdown();
    await running;
    closeMail();
    await c.close();
  };
  if (options.worker !== false) await startWorker();

  const call: Stack['call'] = async (method, path, body, headers = {}) => {
    const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    // A caller's Idempotency-Key is signed with the rest; POST and DELETE get a random one otherwise.
    const { 'Idempotency-Key': idempotencyKey, ...otherHeaders } = headers;
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(raw ? { 'Content-Type': 'application/json' } : {}),
        ...signRequest({ key: TEST_API_KEY, secret: TEST_API_SECRET }, { method, target: path, body: raw, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }),
        ...otherHeaders,
      },
      body: raw || undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  return {
    apiUrl,
    apiMetrics,
    config,
    temporal,
    sandbox,
    client,
    database,
    billingCalls,
    billingAnswer,
    env: configEnv,
    call,
    startWorker,
    stopWorker,
    async close() {
      await stopWorker();
      await close(apiServer);
      await apiReplicas?.close();
      await close(billing);
      await connection.close();
      await database.close();
      await sandbox.close();
      await own?.stop();
    },
  };
}

function isSignedWebhook(req: express.Request): boolean {
  const [timestamp, nonce, idempotencyKey, signature] = ['x-timestamp', 'x-nonce', 'idempotency-key', 'x-signature'].map((name) => req.get(name));
  if (!timestamp || !nonce || !idempotencyKey || !signature) return false;
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  return verifyV2WithSecret(TEST_WEBHOOK_SECRET, { direction: 'webhook', method: req.method, target: req.originalUrl, timestamp, nonce, idempotencyKey, body }, signature);
}

function withEntityKnobs(gateway: TemporalGateway, knobs: StackOptions['entity']): TemporalGateway {
  if (!knobs) return gateway;
  return { ...gateway, startInstance: (input, provision) => gateway.startInstance({ ...input, ...knobs }, provision) };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Poll until `check` returns a value (not undefined), or fail with what was last seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, options: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
