// The real Temporal server (not the dev server) on Postgres: built once with `go install` into
// ~/.cache/hostflow/temporal-server-<version>/ (server, schema tool, Postgres schema files, and the
// Web UI server when it builds), its two databases set up with the schema tool, started from
// infra/temporal-cluster.yaml, the namespace registered and the search attributes added with
// infra/search-attributes.sh through the cached temporal CLI. `npm run temporal:cluster`
// (scripts/temporal-cluster.ts) and the cluster-backed test run (HOSTFLOW_TEST_TEMPORAL=cluster) use it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import postgres from 'postgres';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildOnceUnderLock, isExecutable } from './build-lock';
import { forEachLine } from './stream-lines';
import { findOrInstallTemporalCli } from './temporal-cli';

const ROOT = path.resolve(__dirname, '..', '..');
export const CLUSTER_CONFIG_PATH = path.join(ROOT, 'infra', 'temporal-cluster.yaml');
export const CLUSTER_DYNAMIC_CONFIG_PATH = path.join(ROOT, 'infra', 'temporal-dynamic-config.yaml');
const SEARCH_ATTRIBUTES_SCRIPT = path.join(ROOT, 'infra', 'search-attributes.sh');

/** The server inside CLI v1.5.1 (temporal-dev.yaml): the dev server and the cluster run the same code. */
export const SERVER_PIN = { module: 'go.temporal.io/server', version: 'v1.29.1' } as const;
/** The Web UI server the CLI v1.5.1 embeds; optional (the cluster runs without it). */
export const UI_PIN = { module: 'github.com/temporalio/ui-server/v2', version: 'v2.42.1' } as const;

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const HEARTBEAT_MS = 15_000;

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** .../schema/postgresql/v12 (temporal/ and visibility/ inside). */
  schemaDir: string;
  /** The Web UI server, or undefined when it could not be built. */
  ui?: string;
}

export function serverCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'hostflow', `temporal-server-${SERVER_PIN.version}`);
}

function cachedBinaries(dir: string): ServerBinaries | undefined {
  const found: ServerBinaries = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
  if (!isExecutable(found.server) || !isExecutable(found.sqlTool) || !existsSync(path.join(found.schemaDir, 'temporal', 'versioned'))) return undefined;
  const ui = path.join(dir, 'temporal-ui-server');
  return isExecutable(ui) ? { ...found, ui } : found;
}

/** The cached server and schema tool, or undefined: never builds (the bench runs its cluster figures only when they exist). */
export function cachedTemporalServer(): ServerBinaries | undefined {
  return cachedBinaries(serverCacheDir());
}

/** The cached server, or builds it once (about 5 minutes on a machine that built the CLI; longer cold). */
export function findOrBuildTemporalServer(opts: { log?: Log; ui?: boolean } = {}): Promise<ServerBinaries> {
  const log = opts.log ?? stderrLog;
  const dir = serverCacheDir();
  const uiSettled = (found: ServerBinaries) => found.ui || opts.ui === false || existsSync(path.join(dir, '.ui-failed'));
  const ready = () => {
    const found = cachedBinaries(dir);
    return found && uiSettled(found) ? found : undefined;
  };
  return buildOnceUnderLock(dir, 'the Temporal server', log, ready, async () => {
    if (!cachedBinaries(dir)) await buildServer(dir, log);
    if (!uiSettled(cachedBinaries(dir)!)) await buildUi(dir, log);
    return cachedBinaries(dir)!;
  });
}

async function buildServer(dir: string, log: Log): Promise<void> {
  const staging = await fs.mkdtemp(path.join(dir, '.build-'));
  try {
    const specs = ['cmd/server', 'cmd/tools/sql'].map((p) => `${SERVER_PIN.module}/${p}@${SERVER_PIN.version}`);
    log(`Building the Temporal server once: go install ${specs.join(' ')} (cached in ${dir})`);
    await goInstall(specs, staging, log);
    // The schema files ship in the module's source; copied next to the binaries so the cache
    // stands alone (a cleaned Go module cache does not break it).
    const modCache = (await run('go', ['env', 'GOMODCACHE'])).trim();
    const source = path.join(modCache, `${SERVER_PIN.module}@${SERVER_PIN.version}`, 'schema', 'postgresql', 'v12');
    await fs.cp(source, path.join(staging, 'schema', 'postgresql', 'v12'), { recursive: true });
    await run('chmod', ['-R', 'u+w', path.join(staging, 'schema')]);
    await fs.rm(path.join(dir, 'schema'), { recursive: true, force: true });
    await fs.rename(path.join(staging, 'schema'), path.join(dir, 'schema'));
    // Binaries last: their presence is what says the cache is complete.
    await fs.rename(path.join(staging, 'sql'), path.join(dir, 'temporal-sql-tool'));
    await fs.rename(path.join(staging, 'server'), path.join(dir, 'temporal-server'));
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function buildUi(dir: string, log: Log): Promise<void> {
  const staging = await fs.mkdtemp(path.join(dir, '.build-ui-'));
  try {
    const spec = `${UI_PIN.module}/cmd/server@${UI_PIN.version}`;
    log(`Building the Temporal Web UI server once: go install ${spec}`);
    await goInstall([spec], staging, log);
    await fs.rename(path.join(staging, 'server'), path.join(dir, 'temporal-ui-server'));
  } catch (err) {
    // The cluster works without it (the CLI reads everything); remembered, so it is tried once.
    log(`The Web UI server did not build; going on without it: ${(err as Error).message.split('\n')[0]}`);
    await fs.writeFile(path.join(dir, '.ui-failed'), (err as Error).message);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function goInstall(specs: string[], gobin: string, log: Log): Promise<void> {
  const started = Date.now();
  const tail: string[] = [];
  let compiled = 0;
  const child = spawn('go', ['install', '-v', ...specs], { env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', 'pipe', 'pipe'] });
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (line && !line.includes(' ')) compiled++;
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  const heartbeat = setInterval(() => log(`  ... ${Math.round((Date.now() - started) / 1000)}s, ${compiled} packages compiled`), HEARTBEAT_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
    if (code !== 0) throw new Error(`go install ${specs.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`);
    log(`Built in ${Math.round((Date.now() - started) / 1000)}s.`);
  } finally {
    clearInterval(heartbeat);
  }
}

// ---------------------------------------------------------------------------------------------
// Databases

export interface ClusterDatabases {
  /** postgres://user[:password]@host:port (no database): the server the two databases live on. */
  serverUrl: string;
  persistence: string;
  visibility: string;
}

export function defaultClusterDatabases(): ClusterDatabases {
  return {
    serverUrl: process.env.TEMPORAL_CLUSTER_DB_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    persistence: 'temporal',
    visibility: 'temporal_visibility',
  };
}

/**
 * Creates both databases if missing and brings their schemas to the version the server needs:
 * `setup-schema -v 0.0` once, then `update-schema` with the versioned files (which applies only
 * what is newer). Safe to run on every start.
 */
export async function setupClusterDatabases(bin: ServerBinaries, dbs: ClusterDatabases, log: Log = () => {}): Promise<void> {
  const url = new URL(dbs.serverUrl);
  for (const [name, kind] of [[dbs.persistence, 'temporal'], [dbs.visibility, 'visibility']] as const) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lowercase letters, digits and _ only`);
    const admin = postgres(dbs.serverUrl, { max: 1, onnotice: () => {} });
    let hasSchema = false;
    try {
      const exists = await admin`select 1 from pg_database where datname = ${name}`;
      if (!exists.length) {
        await admin.unsafe(`create database ${name}`).catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created meanwhile by another process
        });
        log(`created database ${name}`);
      }
    } finally {
      await admin.end();
    }
    const db = postgres({ ...connectionOf(url), database: name, max: 1, onnotice: () => {} });
    try {
      hasSchema = (await db`select 1 from information_schema.tables where table_name = 'schema_version'`).length > 0;
    } finally {
      await db.end();
    }
    const base = [
      '--plugin', 'postgres12',
      '--endpoint', url.hostname,
      '--port', url.port || '5432',
      '--user', decodeURIComponent(url.username || 'postgres'),
      '--database', name,
    ];
    // The password in the environment, not on a command line every `ps` shows.
    const env = { SQL_PASSWORD: decodeURIComponent(url.password) };
    if (!hasSchema) await run(bin.sqlTool, [...base, 'setup-schema', '-v', '0.0'], env);
    await run(bin.sqlTool, [...base, 'update-schema', '-d', path.join(bin.schemaDir, kind, 'versioned')], env);
    log(`database ${name}: ${kind} schema up to date`);
  }
}

export async function dropClusterDatabases(dbs: ClusterDatabases): Promise<void> {
  const admin = postgres(dbs.serverUrl, { max: 1, onnotice: () => {} });
  try {
    for (const name of [dbs.persistence, dbs.visibility]) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

function connectionOf(url: URL) {
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password) || undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Config and start

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
  ui: number;
}

export const CONFIG_PORTS: ClusterPorts = {
  frontend: 7233, frontendHttp: 7243, frontendMembership: 6933,
  history: 7234, historyMembership: 6934,
  matching: 7235, matchingMembership: 6935,
  worker: 7239, workerMembership: 6939,
  metrics: 8000, ui: 8080,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the server's config: a YAML tree edited in place
type Doc = Record<string, any>;

/** infra/temporal-cluster.yaml with the databases, the ports and the dynamic config path filled in; pure. */
export function renderClusterConfig(dbs: ClusterDatabases, ports: ClusterPorts, configPath = CLUSTER_CONFIG_PATH, maxConns?: { persistence: number; visibility: number }): Doc {
  const doc = parseYaml(readFileSync(configPath, 'utf8')) as Doc;
  const url = new URL(dbs.serverUrl);
  const { host, port, username, password } = connectionOf(url);
  const stores = doc.persistence.datastores as Doc;
  for (const [store, database] of [[doc.persistence.defaultStore, dbs.persistence], [doc.persistence.visibilityStore, dbs.visibility]]) {
    Object.assign(stores[store].sql, { databaseName: database, connectAddr: `${host}:${port}`, user: username, password: password ?? '' });
  }
  if (maxConns) {
    for (const [store, n] of [[doc.persistence.defaultStore, maxConns.persistence], [doc.persistence.visibilityStore, maxConns.visibility]]) {
      Object.assign(stores[store].sql, { maxConns: n, maxIdleConns: n });
    }
  }
  const svc = doc.services as Doc;
  svc.frontend.rpc = { ...svc.frontend.rpc, grpcPort: ports.frontend, httpPort: ports.frontendHttp, membershipPort: ports.frontendMembership };
  svc.history.rpc = { ...svc.history.rpc, grpcPort: ports.history, membershipPort: ports.historyMembership };
  svc.matching.rpc = { ...svc.matching.rpc, grpcPort: ports.matching, membershipPort: ports.matchingMembership };
  svc.worker.rpc = { ...svc.worker.rpc, grpcPort: ports.worker, membershipPort: ports.workerMembership };
  doc.global.metrics.prometheus.listenAddress = `127.0.0.1:${ports.metrics}`;
  doc.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${ports.frontend}`;
  doc.dynamicConfigClient.filepath = path.resolve(ROOT, doc.dynamicConfigClient.filepath as string);
  return doc;
}

export interface StartClusterOptions {
  databases?: ClusterDatabases;
  /** 'random' picks free ports, so a test run never collides with anything on the machine. */
  ports?: 'from-config' | 'random';
  namespace?: string;
  /** Start the Web UI server too, when it was built. */
  ui?: boolean;
  /** Smaller connection pools than the config's 20 + 10 (test runs share Postgres's 100 connections
   * with the API and worker processes: "sorry, too many clients already"). */
  maxConns?: { persistence: number; visibility: number };
  log?: Log;
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  /** '' when no Web UI server runs. */
  uiUrl: string;
  metricsUrl: string;
  databases: ClusterDatabases;
  /** The server's own log (JSON lines). */
  logFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalCluster(opts: StartClusterOptions = {}): Promise<TemporalCluster> {
  const log = opts.log ?? (() => {});
  const databases = opts.databases ?? defaultClusterDatabases();
  const namespace = opts.namespace ?? 'default';
  const bin = await findOrBuildTemporalServer({ log: opts.log, ui: opts.ui });
  const cli = await findOrInstallTemporalCli({ log: opts.log });
  const ports = opts.ports === 'random' ? await freePorts() : CONFIG_PORTS;
  const started = Date.now();
  await setupClusterDatabases(bin, databases, log);
  log(`schemas ready in ${Date.now() - started} ms`);

  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hostflow-temporal-cluster-'));
  await fs.mkdir(path.join(runDir, 'config'));
  await fs.writeFile(path.join(runDir, 'config', 'cluster.yaml'), stringifyYaml(renderClusterConfig(databases, ports, CLUSTER_CONFIG_PATH, opts.maxConns)));
  const logFile = path.join(runDir, 'server.log');
  const children: { child: ChildProcess; exited: Promise<void>; name: string }[] = [];
  const spawnLogged = (name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const out = createWriteStream(path.join(runDir, `${name}.log`));
    const child = spawn(cmd, args, { cwd: runDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()).once('error', () => resolve()));
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));
    children.push({ child, exited, name });
    return child;
  };
  const server = spawnLogged('server', bin.server, ['--root', runDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start']);
  const stop = async () => {
    for (const { child, exited } of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  const address = `127.0.0.1:${ports.frontend}`;
  let uiUrl = '';
  try {
    await waitForFrontend(address, server, logFile);
    log(`Temporal server answering at ${address} after ${Date.now() - started} ms`);
    await registerNamespace(address, namespace);
    const sa = await run('bash', [SEARCH_ATTRIBUTES_SCRIPT], { TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
    sa.trim().split('\n').forEach(log);
    if (opts.ui && bin.ui) {
      await fs.mkdir(path.join(runDir, 'ui', 'config'), { recursive: true });
      const uiConfig = { temporalGrpcAddress: address, host: '127.0.0.1', port: ports.ui, enableUi: true, defaultNamespace: namespace, notifyOnNewVersion: false };
      await fs.writeFile(path.join(runDir, 'ui', 'config', 'cluster.yaml'), stringifyYaml(uiConfig));
      spawnLogged('ui', bin.ui, ['--root', path.join(runDir, 'ui'), '--config', 'config', '--env', 'cluster', 'start']);
      uiUrl = `http://127.0.0.1:${ports.ui}`;
      await waitForHttp(uiUrl);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log(`Temporal cluster ready at ${address} (namespace ${namespace}) after ${Date.now() - started} ms`);
  return { address, namespace, uiUrl, metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`, databases, logFile, process: server, stop };
}

async function waitForFrontend(address: string, server: ChildProcess, logFile: string): Promise<void> {
  const connection = await untilFrontendAnswers(() => Connection.connect({ address, connectTimeout: '1s' }), server, logFile, address);
  await connection.close();
}

/** Connects until the frontend answers (or the server exits, or 90 s pass); answers the open connection. */
export async function untilFrontendAnswers(connect: () => Promise<Connection>, server: ChildProcess, logFile: string, what: string): Promise<Connection> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`temporal-server exited (${server.exitCode ?? server.signalCode}):\n${tailOf(logFile)}`);
    }
    let connection: Connection | undefined;
    try {
      connection = await connect();
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      lastError = err;
      await connection?.close();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal server at ${what} did not answer within ${READY_TIMEOUT_MS / 1000}s: ${String(lastError)}\n${tailOf(logFile)}`);
}

async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await registerNamespaceOn(connection, namespace, '3 days');
  } finally {
    await connection.close();
  }
}

/** Registers the namespace (an existing one is fine) and waits until the frontend serves it. */
export async function registerNamespaceOn(connection: Connection, namespace: string, retention: Duration): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retention) });
  } catch (err) {
    if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not served after 30 s: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within 30 s: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/**
 * Free ports below 32768, held open until all are chosen so none is picked twice. Below 32768
 * because the server stores its membership ports in a smallint column (cluster_membership.rpc_port):
 * a kernel-chosen port above that (33745 here) stops the server with "out of range for type
 * smallint". Linux hands out ephemeral ports from 32768 up, so this range also avoids them.
 */
export async function freePorts(): Promise<ClusterPorts> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < Object.keys(CONFIG_PORTS).length) {
      const candidate = 20_000 + Math.floor(Math.random() * 12_000);
      if (ports.includes(candidate)) continue;
      const server = net.createServer();
      const ok = await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(candidate, '127.0.0.1', () => resolve(true)));
      if (!ok) continue;
      servers.push(server);
      ports.push(candidate);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return Object.fromEntries(Object.keys(CONFIG_PORTS).map((k, i) => [k, ports[i]])) as unknown as ClusterPorts;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.slice(-3).join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

