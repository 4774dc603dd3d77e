// The dev server vs the real Temporal server (infra/temporal-cluster.yaml: 4 history shards,
// persistence and visibility on the machine's Postgres), side by side in one run: provisions/s
// with one and with two worker processes, each next to the no-op twin on the same server, and
// POST /api/instances at 100 concurrent next to a bare signalWithStart. Each server gets a fresh
// Hostflow stack of its own (bench/harness.ts with `server`), both stay up for the whole figure,
// and the rounds alternate which server goes first, so a busy spell of the shared machine lands
// on both. Medians and spread over the rounds; every ratio is taken inside one round.
import os from 'node:os';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { measureApiCost } from './api-cost';
import type { OperationShape } from './baseline-workflows';
import { BENCH_CLUSTER_POOLS, startHarness, type Harness, type ServerKind } from './harness';
import { measureScaleOut } from './scale-out';
import { ratio, round, sleep } from './stats';
import { sweep } from './throughput';
import { CLUSTER_CONFIG_PATH, CLUSTER_DYNAMIC_CONFIG_PATH, SERVER_PIN } from '../scripts/lib/temporal-cluster';

export const SERVER_KINDS: readonly ServerKind[] = ['dev', 'cluster'];
const SERVER_NAME: Record<ServerKind, string> = { dev: 'dev server', cluster: 'real server' };

/**
 * Every Hostflow process of these stacks closes a Postgres connection idle for 5 s (postgres.js
 * reads PGIDLE_TIMEOUT), so the stack that is not being measured holds none: two stacks and a
 * Temporal cluster stay well inside Postgres's 100 connections on a machine others test on.
 */
const STACK_ENV = { PGIDLE_TIMEOUT: '5' };

export interface ServersOptions {
  rounds: number;
  /** Provisions in flight (closed loops), the same on both servers. */
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  api: { concurrency: number; warmupMs: number; measureMs: number };
  log: (line: string) => void;
}

export interface ServerSample {
  round: number;
  server: ServerKind;
  oneWorker: { hostflow: number; twin: number; ratio: number; hostflowP50Ms: number; twinP50Ms: number };
  twoWorkers: { hostflow: number; twin: number; ratio: number };
  api: { p50Ms: number; p99Ms: number; perSecond: number; bareP50Ms: number; bareP99Ms: number; barePerSecond: number };
  errors: number;
  firstError?: string;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ServerSummary {
  oneWorker: { hostflow: Spread; twin: Spread; ratio: Spread };
  twoWorkers: { hostflow: Spread; twin: Spread; ratio: Spread };
  api: { p50Ms: Spread; p99Ms: Spread; perSecond: Spread; bareP50Ms: Spread; bareP99Ms: Spread; barePerSecond: Spread };
}

export interface ServersResult {
  rounds: number;
  concurrency: number;
  apiConcurrency: number;
  measureSeconds: number;
  cores: number;
  cluster: { version: string; historyShards: number; pools: { persistence: number; visibility: number }; dynamicConfig: Record<string, unknown> };
  samples: ServerSample[];
  summary: Record<ServerKind, ServerSummary>;
  /** Real server ÷ dev server, each ratio inside one round. */
  clusterOverDev: { hostflowOneWorker: Spread; twinOneWorker: Spread; hostflowTwoWorkers: Spread; twinTwoWorkers: Spread; apiPerSecond: Spread; apiP50: Spread };
  errors: number;
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!finite.length) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(finite.length / 2);
  const median = finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  return { median: round(median, 2), min: finite[0]!, max: finite.at(-1)! };
}

function clusterSettings(): ServersResult['cluster'] {
  const config = parseYaml(readFileSync(CLUSTER_CONFIG_PATH, 'utf8')) as { persistence: { numHistoryShards: number } };
  const dynamic = parseYaml(readFileSync(CLUSTER_DYNAMIC_CONFIG_PATH, 'utf8')) as Record<string, { value: unknown }[]>;
  return {
    version: SERVER_PIN.version,
    historyShards: config.persistence.numHistoryShards,
    pools: { ...BENCH_CLUSTER_POOLS },
    dynamicConfig: Object.fromEntries(Object.entries(dynamic).map(([k, v]) => [k, v[0]?.value])),
  };
}

/** One round on one server: fresh workers, the one-worker point, the two-worker point, then the API with no worker running. */
async function measureOn(h: Harness, shape: OperationShape, roundNo: number, options: ServersOptions): Promise<ServerSample> {
  const label = `${SERVER_NAME[h.server]} round ${roundNo}`;
  const window = { concurrencies: [options.concurrency], warmupMs: options.warmupMs, measureMs: options.measureMs, log: options.log };
  const workers = await Promise.all([h.startWorker('hostflow'), h.startWorker('baseline')]);
  let one, two;
  try {
    [one] = await sweep(h, shape, { ...window, label: `${label}, one worker` });
    [two] = (await measureScaleOut(h, shape, [one!], { ...window, label: `${label}, two workers`, cores: os.cpus().length, primary: workers })).points;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  await sleep(500);
  const api = await measureApiCost(h, { ...options.api, lowConcurrencies: [], standIns: false });
  options.log(`${label}, API at ${api.concurrency}: p50 ${Math.round(api.api.latency.p50)} ms, p99 ${Math.round(api.api.latency.p99)} ms, ${api.api.perSecond}/s; bare p50 ${Math.round(api.bareSignalWithStart.latency.p50)} ms`);
  return {
    round: roundNo,
    server: h.server,
    oneWorker: { hostflow: one!.hostflowPerSecond, twin: one!.baselinePerSecond, ratio: one!.ratio, hostflowP50Ms: one!.hostflowLatency.p50, twinP50Ms: one!.baselineLatency.p50 },
    twoWorkers: { hostflow: two!.twoWorkers, twin: two!.baselineTwoWorkers, ratio: ratio(two!.twoWorkers, two!.baselineTwoWorkers) },
    api: {
      p50Ms: api.api.latency.p50,
      p99Ms: api.api.latency.p99,
      perSecond: api.api.perSecond,
      bareP50Ms: api.bareSignalWithStart.latency.p50,
      bareP99Ms: api.bareSignalWithStart.latency.p99,
      barePerSecond: api.bareSignalWithStart.perSecond,
    },
    errors: one!.errors + two!.errors + api.api.errors + api.bareSignalWithStart.errors,
    firstError: one!.firstError ?? two!.firstError ?? api.api.firstError ?? api.bareSignalWithStart.firstError,
  };
}

function summarizeServer(samples: ServerSample[]): ServerSummary {
  const of = (pick: (s: ServerSample) => number) => spread(samples.map(pick));
  return {
    oneWorker: { hostflow: of((s) => s.oneWorker.hostflow), twin: of((s) => s.oneWorker.twin), ratio: of((s) => s.oneWorker.ratio) },
    twoWorkers: { hostflow: of((s) => s.twoWorkers.hostflow), twin: of((s) => s.twoWorkers.twin), ratio: of((s) => s.twoWorkers.ratio) },
    api: {
      p50Ms: of((s) => s.api.p50Ms),
      p99Ms: of((s) => s.api.p99Ms),
      perSecond: of((s) => s.api.perSecond),
      bareP50Ms: of((s) => s.api.bareP50Ms),
      bareP99Ms: of((s) => s.api.bareP99Ms),
      barePerSecond: of((s) => s.api.barePerSecond),
    },
  };
}

export function serversResult(samples: ServerSample[], options: Omit<ServersOptions, 'log'>, cluster: ServersResult['cluster']): ServersResult {
  const rounds = [...new Set(samples.map((s) => s.round))];
  const perRound = (pick: (s: ServerSample) => number) =>
    spread(
      rounds.map((r) => {
        const dev = samples.find((s) => s.round === r && s.server === 'dev');
        const real = samples.find((s) => s.round === r && s.server === 'cluster');
        return dev && real ? ratio(pick(real), pick(dev)) : Number.NaN;
      }),
    );
  return {
    rounds: rounds.length,
    concurrency: options.concurrency,
    apiConcurrency: options.api.concurrency,
    measureSeconds: options.measureMs / 1000,
    cores: os.cpus().length,
    cluster,
    samples,
    summary: { dev: summarizeServer(samples.filter((s) => s.server === 'dev')), cluster: summarizeServer(samples.filter((s) => s.server === 'cluster')) },
    clusterOverDev: {
      hostflowOneWorker: perRound((s) => s.oneWorker.hostflow),
      twinOneWorker: perRound((s) => s.oneWorker.twin),
      hostflowTwoWorkers: perRound((s) => s.twoWorkers.hostflow),
      twinTwoWorkers: perRound((s) => s.twoWorkers.twin),
      apiPerSecond: perRound((s) => s.api.perSecond),
      apiP50: perRound((s) => s.api.p50Ms),
    },
    errors: samples.reduce((n, s) => n + s.errors, 0),
  };
}

/** Starts both stacks, runs the rounds, stops both (the cluster's databases are dropped by its stack). */
export async function measureServers(shape: OperationShape, options: ServersOptions): Promise<ServersResult> {
  const stacks: Partial<Record<ServerKind, Harness>> = {};
  const samples: ServerSample[] = [];
  try {
    for (const server of SERVER_KINDS) stacks[server] = await startHarness({ log: options.log, server, env: STACK_ENV });
    for (let r = 1; r <= options.rounds; r++) {
      const order = r % 2 === 1 ? SERVER_KINDS : [...SERVER_KINDS].reverse();
      for (const server of order) samples.push(await measureOn(stacks[server]!, shape, r, options));
    }
  } finally {
    for (const server of SERVER_KINDS) await stacks[server]?.close();
  }
  return serversResult(samples, options, clusterSettings());
}

// ---------------------------------------------------------------------------------------------
// Rendering (bench/report.ts calls these)

const ms = (v: number) => (!Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const fmt = (s: Spread, unit: (v: number) => string = (v) => v.toFixed(2)) =>
  !Number.isFinite(s.median) ? '—' : s.min === s.max ? unit(s.median) : `${unit(s.median)} (${unit(s.min)}–${unit(s.max)})`;
const times = (v: number) => `${v.toFixed(2)}×`;

/** Rows for the summary table (figure | measured | same-run baseline | target | verdict). */
export function serversSummaryRows(s: ServersResult): string[] {
  const d = s.summary.dev;
  const c = s.summary.cluster;
  const n = `N=${s.concurrency}, medians of ${s.rounds} round${s.rounds === 1 ? '' : 's'} (min–max)`;
  const throughputRow = (workers: 'oneWorker' | 'twoWorkers', hostflow: Spread, twin: Spread) =>
    `| provisions/s, real server (${s.cluster.historyShards} shards, Postgres) vs dev server, ${workers === 'oneWorker' ? 'one worker' : 'two worker processes'} (${n}) | ` +
    `real ${fmt(c[workers].hostflow)}/s, twin ${fmt(c[workers].twin)}/s, ratio ${fmt(c[workers].ratio)}; dev ${fmt(d[workers].hostflow)}/s, twin ${fmt(d[workers].twin)}/s, ratio ${fmt(d[workers].ratio)} | ` +
    `real ÷ dev in the same round: Hostflow ${fmt(hostflow, times)}, twin ${fmt(twin, times)} | — | — |`;
  return [
    throughputRow('oneWorker', s.clusterOverDev.hostflowOneWorker, s.clusterOverDev.twinOneWorker),
    throughputRow('twoWorkers', s.clusterOverDev.hostflowTwoWorkers, s.clusterOverDev.twinTwoWorkers),
    `| API cost: POST /api/instances at ${s.apiConcurrency} concurrent, real server vs dev server (medians of ${s.rounds}) | ` +
      `real p50 ${fmt(c.api.p50Ms, ms)}, p99 ${fmt(c.api.p99Ms, ms)}, ${fmt(c.api.perSecond, (v) => v.toFixed(0))} req/s; dev p50 ${fmt(d.api.p50Ms, ms)}, p99 ${fmt(d.api.p99Ms, ms)}, ${fmt(d.api.perSecond, (v) => v.toFixed(0))} req/s | ` +
      `bare signalWithStart: real p50 ${fmt(c.api.bareP50Ms, ms)}, ${fmt(c.api.barePerSecond, (v) => v.toFixed(0))}/s; dev p50 ${fmt(d.api.bareP50Ms, ms)}, ${fmt(d.api.barePerSecond, (v) => v.toFixed(0))}/s | — | — |`,
  ];
}

/** The figure's own section: settings, then every round. */
export function serversMarkdown(s: ServersResult): string[] {
  const dyn = Object.entries(s.cluster.dynamicConfig).filter(([k]) => k.startsWith('history.') || k.endsWith('persistenceMaxQPS'));
  const lines = [
    `Dev server vs the real Temporal server (go.temporal.io/server ${s.cluster.version}, infra/temporal-cluster.yaml: ${s.cluster.historyShards} history shards, persistence and visibility on the machine's Postgres with pools of ${s.cluster.pools.persistence} + ${s.cluster.pools.visibility}; ` +
      `infra/temporal-dynamic-config.yaml: ${dyn.map(([k, v]) => `${k}=${String(v)}`).join(', ')}). Each server has a fresh Hostflow stack of its own, both up for the whole figure; ` +
      `${s.rounds} round${s.rounds === 1 ? '' : 's'}, alternating which server goes first; per round and server: fresh workers, ${s.measureSeconds} s windows at N=${s.concurrency} (one worker, then a second worker process each), then POST /api/instances at ${s.apiConcurrency} concurrent with no worker running. Everything on ${s.cores} cores:`,
    '',
    '| round | server | 1 worker /s | twin /s | ratio | 2 workers /s | twin /s | ratio | API p50 | API p99 | API /s | bare p50 | bare /s | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const x of s.samples) {
    lines.push(
      `| ${x.round} | ${SERVER_NAME[x.server]} | ${x.oneWorker.hostflow.toFixed(2)} | ${x.oneWorker.twin.toFixed(2)} | ${x.oneWorker.ratio.toFixed(2)} | ${x.twoWorkers.hostflow.toFixed(2)} | ${x.twoWorkers.twin.toFixed(2)} | ${x.twoWorkers.ratio.toFixed(2)} | ` +
        `${ms(x.api.p50Ms)} | ${ms(x.api.p99Ms)} | ${x.api.perSecond.toFixed(0)} | ${ms(x.api.bareP50Ms)} | ${x.api.barePerSecond.toFixed(0)} | ${x.errors}${x.firstError ? ` (${x.firstError.slice(0, 80)})` : ''} |`,
    );
  }
  const o = s.clusterOverDev;
  lines.push('', `Real ÷ dev, per round, median (min–max): Hostflow one worker ${fmt(o.hostflowOneWorker, times)}, twin ${fmt(o.twinOneWorker, times)}; two workers ${fmt(o.hostflowTwoWorkers, times)}, twin ${fmt(o.twinTwoWorkers, times)}; API req/s ${fmt(o.apiPerSecond, times)}, API p50 ${fmt(o.apiP50, times)}.`, '');
  return lines;
}
