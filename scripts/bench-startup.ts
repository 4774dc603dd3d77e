// `npm run bench:startup`: start time and RSS of the API and the worker, compiled (`node dist/...`,
// after `npm run build`) vs tsx (`node --import tsx ...`), side by side in one run, against the real
// Temporal cluster on this machine's Postgres and the sandbox providers. Start time = spawn until
// the process says it serves ("API listening" / "worker polling"); RSS = VmRSS 3 s after that.
// Each variant runs RUNS times, one at a time; the medians are printed as a Markdown table.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runMigrations } from '../schema/migrate';
import { createThrowawayDatabase } from '../schema/throwaway-database';
import { sandboxProviderEnv, startSandbox } from '../sandbox';
import { withWorkerProcessEnv } from '../workers/process-env';
import { dropClusterDatabases, startTemporalCluster } from './lib/temporal-cluster';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.RUNS ?? 3);
const SETTLE_MS = 3_000;

interface Sample {
  startMs: number;
  rssMiB: number;
}

async function measure(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready within 120 s: ${out.slice(-2000)}`)), 120_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (ready.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
    });
    const startMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { startMs, rssMiB: rssKiB / 1024 };
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r).once('close', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'api', 'main.js'))) throw new Error('run `npm run build` first');
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const suffix = `${process.pid}_${Date.now()}`;
  const databases = { serverUrl: new URL('/postgres', serverUrl).toString(), persistence: `temporal_bench_${suffix}`, visibility: `temporal_vis_bench_${suffix}` };
  const cluster = await startTemporalCluster({ databases, ports: 'random', ui: false });
  const db = await createThrowawayDatabase(serverUrl, 'bench');
  const sandbox = await startSandbox();
  try {
    await runMigrations(db.url);
    const base = {
      ...process.env,
      ...sandboxProviderEnv(sandbox),
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TASK_QUEUE: `bench-startup-${suffix}`,
      // Start time is the figure; creating the sweep schedules is a deploy concern, not measured here.
      FLEET_SCHEDULES: 'off',
      EMAIL_FROM: 'Hostflow <bench@hostflow.test>',
      WHMCS_API_KEY: 'bench',
      WHMCS_HMAC_SECRET: 'bench-secret-0123456789abcdef',
      CALLBACK_SECRET: 'bench-callback-0123456789abcdef',
      API_METRICS_ADDRESS: 'off',
      WORKER_METRICS_ADDRESS: 'off',
      LOG_LEVEL: 'info',
    };
    const variants = [
      { name: 'API, compiled', args: ['dist/api/main.js'], env: {}, ready: /API listening/ },
      { name: 'API, tsx', args: ['--import', 'tsx', 'api/main.ts'], env: {}, ready: /API listening/ },
      { name: 'worker, compiled (+ pre-built bundle)', args: ['dist/workers/main.js'], env: { WORKFLOW_BUNDLE: path.join(ROOT, 'dist', 'workflow-bundle.js') }, ready: /worker polling/ },
      { name: 'worker, tsx (+ pre-built bundle)', args: ['--import', 'tsx', 'workers/main.ts'], env: { WORKFLOW_BUNDLE: path.join(ROOT, 'dist', 'workflow-bundle.js') }, ready: /worker polling/ },
      { name: 'worker, tsx (bundles at start)', args: ['--import', 'tsx', 'workers/main.ts'], env: {}, ready: /worker polling/ },
    ];
    const rows: string[] = [];
    for (const v of variants) {
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++) {
        const env = withWorkerProcessEnv({ ...base, ...v.env, API_PORT: String(await freePort()) });
        samples.push(await measure(v.args, env, v.ready));
      }
      rows.push(`| ${v.name} | ${Math.round(median(samples.map((s) => s.startMs)))} ms | ${Math.round(median(samples.map((s) => s.rssMiB)))} MiB |`);
      console.error(rows[rows.length - 1]);
    }
    console.log(`Start time and RSS (${RUNS} runs each, medians; real Temporal server on Postgres; Node ${process.version}):\n`);
    console.log('| process | start (spawn -> serving) | RSS 3 s after |');
    console.log('| --- | --- | --- |');
    for (const row of rows) console.log(row);
  } finally {
    await sandbox.close();
    await db.drop();
    await cluster.stop();
    await dropClusterDatabases(databases).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
