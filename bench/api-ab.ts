// Before → after for the API cost, back to back on one stack: two API processes (two checkouts of
// Hostflow, e.g. the last commit exported to a folder and the working tree) on one task queue no
// worker polls, measured in alternating rounds, each next to a bare signalWithStart measured right
// after it, so a shared machine's drift hits both sides alike. Prints medians and ranges.
//   npx tsx bench/api-ab.ts --before /tmp/hostflow-before [--after .] [--rounds 5] [--measure-ms 5000]
// BENCH_API_CPU_PROF=<dir> runs the API processes under `node --cpu-prof` (profiles in <dir>).
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import path from 'node:path';
import { apiCreate, bareSignalWithStart } from './api-cost';
import { spawnReady, startHarness, type ChildHandle } from './harness';
import { closedLoop, percentile, round } from './stats';
import { freePort } from '../schema/embedded-postgres';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};

interface Sample {
  side: string;
  concurrency: number;
  apiPerSecond: number;
  barePerSecond: number;
  ratio: number;
  apiP50: number;
  bareP50: number;
}

async function main(): Promise<void> {
  const sides = { before: path.resolve(arg('--before', '')), after: path.resolve(arg('--after', '.')) };
  const rounds = Number(arg('--rounds', '5'));
  const concurrencies = arg('--concurrency', '1,10,100').split(',').map(Number);
  const timing = { warmupMs: Number(arg('--warmup-ms', '1000')), measureMs: Number(arg('--measure-ms', '5000')) };
  const log = (line: string) => process.stderr.write(`[api-ab] ${line}\n`);
  const h = await startHarness({ log });
  const queue = `bench-api-ab-${randomUUID()}`;
  const apis: Record<string, { url: string; handle: ChildHandle }> = {};
  const samples: Sample[] = [];
  try {
    const prof = process.env.BENCH_API_CPU_PROF;
    for (const [side, root] of Object.entries(sides)) {
      const port = await freePort();
      const env = h.hostflowEnv({ TEMPORAL_TASK_QUEUE: queue, API_PORT: String(port) });
      const execArgv = ['--import', 'tsx', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.join(prof, side)}`] : [])];
      const handle = await spawnReady(path.join(root, 'bench', 'processes', 'api.ts'), [], env, execArgv);
      apis[side] = { url: `http://127.0.0.1:${port}`, handle };
    }
    for (let r = 0; r < rounds; r++) {
      for (const concurrency of concurrencies) {
        const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
        for (const side of order) {
          const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
          const api = await closedLoop({ ...timing, concurrency, iteration: apiCreate(agent, new URL('/api/instances', apis[side]!.url)) });
          agent.destroy();
          const bare = await closedLoop({ ...timing, concurrency, iteration: bareSignalWithStart(h, queue) });
          if (api.errors || bare.errors) log(`errors: api ${api.errors} (${api.firstError}), bare ${bare.errors} (${bare.firstError})`);
          const s: Sample = {
            side,
            concurrency,
            apiPerSecond: api.perSecond,
            barePerSecond: bare.perSecond,
            ratio: round(api.perSecond / bare.perSecond, 2),
            apiP50: round(percentile(api.latenciesMs, 50), 2),
            bareP50: round(percentile(bare.latenciesMs, 50), 2),
          };
          samples.push(s);
          log(JSON.stringify(s));
        }
      }
    }
  } finally {
    await Promise.all(Object.values(apis).map((a) => a.handle.stop()));
    await h.close();
  }
  const lines = ['| side | concurrent | ratio median (min–max) | API − bare p50, median (min–max) | API /s median | bare /s median |', '|---|---|---|---|---|---|'];
  const med = (v: number[]) => round(percentile(v, 50), 2);
  const span = (v: number[]) => `${med(v)} (${round(Math.min(...v), 2)}–${round(Math.max(...v), 2)})`;
  for (const concurrency of concurrencies) {
    for (const side of Object.keys(sides)) {
      const rows = samples.filter((s) => s.side === side && s.concurrency === concurrency);
      const diffs = rows.map((s) => round(s.apiP50 - s.bareP50, 2));
      lines.push(`| ${side} | ${concurrency} | ${span(rows.map((s) => s.ratio))} | ${span(diffs)} ms | ${med(rows.map((s) => s.apiPerSecond))} | ${med(rows.map((s) => s.barePerSecond))} |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`api-ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
