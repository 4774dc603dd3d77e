// Starts `temporal server start-dev` with the settings in temporal-dev.yaml and waits until it
// answers, with the search attributes registered. Used by the dev launcher, the jest harness and
// the bench; scripts/temporal-dev-server.ts runs it from the command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { forEachLine } from './stream-lines';
import { DEV_CONFIG_PATH, findOrInstallTemporalCli } from './temporal-cli';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const port = z.number().int().min(1).max(65535);
const searchAttributeType = z.enum(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

const DevServerConfigSchema = z.strictObject({
  cli: z.strictObject({ version: z.string(), module: z.string() }),
  ip: z.string(),
  ports: z.strictObject({ frontend: port, ui: port, metrics: port.optional(), http: port.optional() }),
  namespace: z.string().min(1),
  // The CLI only accepts identifiers as names.
  searchAttributes: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), searchAttributeType),
  sqlite: z.strictObject({
    file: z.string(),
    pragmas: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
  dynamicConfig: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']),
});

export type DevServerConfig = z.infer<typeof DevServerConfigSchema>;
export type DevServerPorts = DevServerConfig['ports'];

export interface DevServerOverrides {
  ports?: Partial<DevServerPorts>;
  /** undefined: the config's file; null: in memory (nothing survives a restart). */
  dbFile?: string | null;
  headless?: boolean;
  /** The codec server the Web UI sends payloads to for decoding (payload encryption on). */
  uiCodecEndpoint?: string;
}

export interface StartOptions {
  /** Defaults to temporal-dev.yaml; benchmarks pass a variant to compare settings. */
  config?: DevServerConfig;
  /** 'random' picks free ports, so a test run never collides with a running `npm start`. */
  ports?: 'from-config' | 'random';
  dbFile?: string | null;
  headless?: boolean;
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
  stdio?: 'inherit' | 'pipe';
}

export interface DevServer {
  address: string;
  namespace: string;
  /** '' when headless. */
  uiUrl: string;
  /** Its Prometheus endpoint (server-side counters, e.g. heartbeats recorded); undefined without a metrics port. */
  metricsUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Reads and validates temporal-dev.yaml; sqlite.file comes back absolute (relative to the yaml). */
export function loadDevServerConfig(configPath = DEV_CONFIG_PATH): DevServerConfig {
  const parsed = DevServerConfigSchema.safeParse(parseYaml(readFileSync(configPath, 'utf8')));
  if (!parsed.success) throw new Error(`${configPath} is invalid:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  config.sqlite.file = path.resolve(path.dirname(configPath), config.sqlite.file);
  return config;
}

/** The `temporal` arguments for a dev server; pure, so the flags can be tested without a server. */
export function buildDevServerArgs(config: DevServerConfig, overrides: DevServerOverrides = {}): string[] {
  const ports = { ...config.ports, ...overrides.ports };
  const dbFile = overrides.dbFile === undefined ? config.sqlite.file : overrides.dbFile;
  const args = ['server', 'start-dev', '--ip', config.ip, '--port', String(ports.frontend)];
  if (overrides.headless) args.push('--headless');
  else args.push('--ui-port', String(ports.ui));
  if (overrides.uiCodecEndpoint && !overrides.headless) args.push('--ui-codec-endpoint', overrides.uiCodecEndpoint);
  if (ports.metrics !== undefined) args.push('--metrics-port', String(ports.metrics));
  if (ports.http !== undefined) args.push('--http-port', String(ports.http));
  // The CLI always creates "default"; naming it again would ask it to create it twice.
  if (config.namespace !== 'default') args.push('--namespace', config.namespace);
  if (dbFile !== null) {
    args.push('--db-filename', dbFile);
    // Pragmas are about the file's journal and fsyncs; an in-memory database has neither.
    for (const [k, v] of Object.entries(config.sqlite.pragmas)) args.push('--sqlite-pragma', `${k}=${v}`);
  }
  for (const [name, type] of Object.entries(config.searchAttributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries(config.dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`); // values are JSON
  }
  args.push('--log-level', config.logLevel);
  return args;
}

export async function startTemporalDevServer(opts: StartOptions = {}): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const config = opts.config ?? loadDevServerConfig();
  const ports = opts.ports === 'random' ? await randomPorts(config.ip) : await checkConfigPorts(config);
  const dbFile = opts.dbFile === undefined ? config.sqlite.file : opts.dbFile && path.resolve(opts.dbFile);
  if (dbFile) mkdirSync(path.dirname(dbFile), { recursive: true });
  // Given no log, a first-time build still reports progress on stderr: 5 silent minutes look hung.
  const cli = await findOrInstallTemporalCli({ log: opts.log });
  const args = buildDevServerArgs(config, { ports, dbFile, headless: opts.headless, uiCodecEndpoint: opts.uiCodecEndpoint });

  const started = Date.now();
  const child = spawn(cli, args, { stdio: opts.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let stopping = false;
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    if (!stopping) log(line); // its internal workers complain while shutting down: not news
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  let exitReason: string | undefined; // set once the process is gone, or never started
  const exited = new Promise<void>((resolve) => {
    const done = (reason: string) => {
      exitReason = reason;
      resolve();
    };
    child.once('exit', (code, signal) => done(`exited (${code ?? signal})`));
    child.once('error', (err) => done(`could not run ${cli}: ${err.message}`));
  });
  // A crashed test run or launcher must not leave a server holding the ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const stop = async () => {
    stopping = true;
    if (exitReason === undefined) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const address = `${config.ip}:${ports.frontend}`;
  try {
    const gone = () => exitReason && `temporal server start-dev ${exitReason}:\n${tail.join('\n')}`;
    await waitUntilReady(address, config, gone);
  } catch (err) {
    await stop();
    throw err;
  }
  log(`Temporal dev server ready at ${address} after ${Date.now() - started} ms`);
  const uiUrl = opts.headless ? '' : `http://${config.ip}:${ports.ui}`;
  const metricsUrl = ports.metrics === undefined ? undefined : `http://${config.ip}:${ports.metrics}/metrics`;
  return { address, namespace: config.namespace, uiUrl, metricsUrl, process: child, stop };
}

// The proto's wire values for IndexedValueType (temporal/api/enums/v1/common.proto); never renumbered.
const INDEXED_VALUE_TYPE: Record<string, number> = {
  Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7,
};

async function waitUntilReady(address: string, config: DevServerConfig, gone: () => string | undefined) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason) throw new Error(reason);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: config.namespace,
      });
      // Registered before the frontend opens, so a mismatch here is a config error, not a race.
      const wrong = Object.entries(config.searchAttributes)
        .filter(([name, type]) => customAttributes?.[name] !== INDEXED_VALUE_TYPE[type])
        .map(([name, type]) => `${name} (${type})`);
      if (wrong.length) throw new FatalError(`search attributes not registered as configured: ${wrong.join(', ')}`);
      return;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close();
    }
  }
  throw new Error(`Temporal dev server at ${address} did not answer within ${READY_TIMEOUT_MS / 1000}s: ${String(lastError)}`);
}

class FatalError extends Error {}

/** Fails early, naming the port, instead of letting the CLI's message scroll past in the logs. */
async function checkConfigPorts(config: DevServerConfig): Promise<DevServerPorts> {
  for (const [name, p] of Object.entries(config.ports)) {
    if (p === undefined) continue;
    const free = await new Promise<boolean>((resolve, reject) => {
      const server = net.createServer().once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') resolve(false);
        else reject(new Error(`Cannot listen on ${config.ip}:${p} (ports.${name} in temporal-dev.yaml): ${err.message}`));
      });
      server.listen(p, config.ip, () => server.close(() => resolve(true)));
    });
    if (!free) {
      throw new Error(
        `Port ${p} on ${config.ip} (Temporal ${name}, ports.${name} in temporal-dev.yaml) is already in use. ` +
          'Is another dev server (npm start) running? Stop it, or change the port.',
      );
    }
  }
  return config.ports;
}

/** Holds all listeners open until each has its port, so the three never coincide. */
async function randomPorts(ip: string): Promise<DevServerPorts> {
  const servers = [0, 1, 2].map(() => net.createServer());
  const ports = await Promise.all(
    servers.map((s) => new Promise<number>((resolve, reject) => {
      s.once('error', reject).listen(0, ip, () => resolve((s.address() as net.AddressInfo).port));
    })),
  );
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  const [frontend, ui, metrics] = ports as [number, number, number];
  return { frontend, ui, metrics };
}
