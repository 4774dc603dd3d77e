// Test wiring for the API: a real Postgres (a fresh database on DATABASE_URL's server when CI
// sets it, an in-memory embedded one otherwise), a Client-shaped fake of Temporal that records
// every call, a config, and signed requests.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import postgres from 'postgres';
import request from 'supertest';
import type { Express } from 'express';
import { createApp, type ApiDeps } from '../../api/app';
import { createLogger } from '../../api/logging';
import { createTemporalGateway, type WorkflowClientLike } from '../../api/temporal-gateway';
import { loadApiConfig, type ApiConfig } from '../../config/api-config';
import { signRequest } from '../../config/request-signing';
import { loadWorkerConfig, type WorkerConfig } from '../../config/worker-config';
import { openDatabase, type DatabaseHandle } from '../../schema/db';
import { runMigrations } from '../../schema/migrate';

export const KEY = { key: 'billing-1', secret: 'test-secret-0123456789abcdef' };
export const OLD_KEY = { key: 'billing-0', secret: 'old-secret-0123456789abcdef' };
export const CALLBACK_SECRET = 'callback-secret-0123456789';

/** The API's settings: no provider token, no SMTP (config/api-config.ts). */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): ApiConfig {
  return loadApiConfig({
    CLOUDFLARE_DOMAIN: 'example.com',
    WHMCS_API_KEYS: `${KEY.key}:${KEY.secret},${OLD_KEY.key}:${OLD_KEY.secret}`,
    CALLBACK_SECRET,
    API_URL: 'https://hostflow.example.com',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** The worker's settings, from one environment shared with the API (as one .env would be). */
export function testWorkerConfig(overrides: NodeJS.ProcessEnv = {}): WorkerConfig {
  return loadWorkerConfig({
    HETZNER_API_TOKEN: 'hetzner-token',
    CLOUDFLARE_API_TOKEN: 'cloudflare-token',
    CLOUDFLARE_ZONE_ID: 'zone-1',
    CLOUDFLARE_DOMAIN: 'example.com',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    EMAIL_FROM: 'hostflow@example.com',
    WHMCS_API_KEYS: `${KEY.key}:${KEY.secret},${OLD_KEY.key}:${OLD_KEY.secret}`,
    CALLBACK_SECRET,
    // Real-looking providers need a public https callback URL (config/real-providers.ts).
    API_URL: 'https://hostflow.example.com',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  stop(): Promise<void>;
}

/** A migrated, empty database of its own for one test file. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const name = `hostflow_api_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    await runMigrations(url.toString());
    const handle = openDatabase(url.toString());
    return {
      url: url.toString(),
      handle,
      async stop() {
        await handle.close();
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end({ timeout: 5 });
      },
    };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'embedded-postgres-process.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited with ${code}`)));
  });
  const handle = openDatabase(url);
  return {
    url,
    handle,
    async stop() {
      await handle.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

export async function truncateAll(handle: DatabaseHandle): Promise<void> {
  await handle.sql`truncate snapshots, instance_health, operations, instances, events, deliveries`;
}

export async function rowCounts(handle: DatabaseHandle): Promise<{ instances: number; operations: number }> {
  const [row] = await handle.sql<{ instances: number; operations: number }[]>`
    select (select count(*)::int from instances) as instances, (select count(*)::int from operations) as operations`;
  return row ?? { instances: -1, operations: -1 };
}

export interface SignalCall {
  workflowId: string;
  signal: string;
  args: unknown[];
}

export interface StartCall {
  workflowType: string;
  options: Record<string, unknown> & { workflowId: string; args: unknown[]; signalArgs: unknown[] };
}

type Behaviour = 'ok' | 'unavailable' | 'not-found' | 'already-started' | 'boom';

/** A stand-in for @temporalio/client's Client that records what the gateway asks of it. */
export class FakeTemporalClient implements WorkflowClientLike {
  starts: StartCall[] = [];
  signals: SignalCall[] = [];
  startBehaviour: Behaviour = 'ok';
  signalBehaviour: Behaviour = 'ok';
  pingBehaviour: Behaviour = 'ok';
  /** Milliseconds each call takes (for concurrency and shutdown tests). */
  delayMs = 0;

  private async act(behaviour: Behaviour, workflowId: string): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    switch (behaviour) {
      case 'ok':
        return;
      case 'unavailable':
        throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established', metadata: {} });
      case 'not-found':
        throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
      case 'already-started':
        throw new WorkflowExecutionAlreadyStartedError('already started', workflowId, 'instanceWorkflow');
      case 'boom':
        throw new Error('an unexpected bug');
    }
  }

  workflow: WorkflowClientLike['workflow'] = {
    signalWithStart: async (workflowType, options) => {
      this.starts.push({ workflowType, options: options as unknown as StartCall['options'] });
      await this.act(this.startBehaviour, options.workflowId);
      return {};
    },
    getHandle: (workflowId) => ({
      signal: async (def, ...args) => {
        await this.act(this.signalBehaviour, workflowId);
        this.signals.push({ workflowId, signal: def.name, args });
      },
    }),
  };

  workflowService = {
    getSystemInfo: async () => {
      await this.act(this.pingBehaviour, '');
      return {};
    },
  };

  connection = { withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn() };

  reset(): void {
    this.starts = [];
    this.signals = [];
    this.startBehaviour = this.signalBehaviour = this.pingBehaviour = 'ok';
    this.delayMs = 0;
  }
}

/** Collects every log line the app writes, as text and parsed. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface Harness {
  app: Express;
  client: FakeTemporalClient;
  db: TestDatabase;
  config: ApiConfig;
  logs: LogCapture;
  /**
   * The app's clock: the real one moved by `offsetMs`, or stopped at `frozenAtMs` (a test at the
   * signature window's edge must not cross it while its requests run on a slow machine).
   */
  clock: { offsetMs: number; frozenAtMs?: number };
  deps: ApiDeps;
}

export async function startHarness(options: { rateLimits?: ApiDeps['rateLimits']; config?: ApiConfig } = {}): Promise<Harness> {
  const db = await startTestDatabase();
  const config = options.config ?? testConfig();
  const client = new FakeTemporalClient();
  const logs = new LogCapture();
  const clock: Harness['clock'] = { offsetMs: 0 };
  const deps: ApiDeps = {
    config,
    database: db.handle,
    temporal: createTemporalGateway(client, { taskQueue: config.taskQueue }),
    logger: createLogger('info', logs),
    now: () => clock.frozenAtMs ?? Date.now() + clock.offsetMs,
    rateLimits: options.rateLimits ?? { perKeyPerMinute: 1_000_000, perIpPerMinute: 1_000_000 },
  };
  return { app: createApp(deps), client, db, config, logs, clock, deps };
}

export interface SignedOptions {
  pair?: { key: string; secret: string };
  idempotencyKey?: string;
  nowMs?: number;
  headers?: Record<string, string>;
}

/**
 * A request signed the way the WHMCS module signs it (signature v2; the body is sent exactly as
 * signed). POST and DELETE get a random Idempotency-Key unless the caller passes one.
 */
export function signed(app: Express, method: 'get' | 'post' | 'delete', path: string, body?: unknown, options: SignedOptions = {}): request.Test {
  const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...signRequest(options.pair ?? KEY, {
      method,
      target: path,
      body: raw,
      nowMs: options.nowMs ?? Date.now(),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
    }),
    ...(raw ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  let test = request(app)[method](path).set(headers);
  if (raw) test = test.send(raw);
  return test;
}

/** v2 headers for a POST of `raw` (default: to /api/instances), for tests that send the bytes themselves. */
export function signedPostHeaders(pair: { key: string; secret: string }, raw: Buffer | string, target = '/api/instances'): Record<string, string> {
  return { ...signRequest(pair, { method: 'POST', target, body: raw }) };
}

let serviceIds = 1000;
export function nextServiceId(): number {
  serviceIds += 1;
  return serviceIds;
}

export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = nextServiceId();
  return { whmcs_service_id: id, whmcs_client_id: 77, email: 'alice@example.com', plan: 'starter', region: 'eu-frankfurt', ...overrides };
}

/** Put an instance into a state the way the worker would, for tests of later operations. */
export async function setStatus(handle: DatabaseHandle, id: string, status: string): Promise<void> {
  await handle.sql`update instances set status = ${status} where id = ${id}`;
}
