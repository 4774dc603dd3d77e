// The dev-server-vs-real-server bench figure's arithmetic and rendering (bench/servers.ts), without
// starting anything: ratios come from the same round, medians and spread from all rounds.
import { serversMarkdown, serversResult, serversSummaryRows, spread, type ServerSample } from '../../bench/servers';

const sample = (round: number, server: 'dev' | 'cluster', hostflow: number, twin: number, apiPerSecond: number): ServerSample => ({
  round,
  server,
  oneWorker: { hostflow, twin, ratio: Math.round((hostflow / twin) * 100) / 100, hostflowP50Ms: 1000, twinP50Ms: 800 },
  twoWorkers: { hostflow: hostflow + 1, twin: twin + 1, ratio: 0.8 },
  api: { p50Ms: 100_000 / apiPerSecond, p99Ms: 150_000 / apiPerSecond, perSecond: apiPerSecond, bareP50Ms: 50_000 / apiPerSecond, bareP99Ms: 90_000 / apiPerSecond, barePerSecond: 2 * apiPerSecond },
  errors: 0,
});

const options = { rounds: 3, concurrency: 10, warmupMs: 0, measureMs: 10_000, api: { concurrency: 100, warmupMs: 0, measureMs: 8_000 } };
const cluster = { version: 'v1.29.1', historyShards: 4, pools: { persistence: 8, visibility: 4 }, dynamicConfig: { 'history.transferProcessorMaxPollRPS': 10000 } };

describe('bench servers figure', () => {
  it('takes the median and the range, ignoring missing values', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, Number.NaN, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(spread([]).median).toBeNaN();
  });

  it('divides the real server by the dev server inside each round', () => {
    // Round 2 is slow on both servers (a busy machine): the per-round ratio stays 2×.
    const samples = [sample(1, 'dev', 5, 10, 100), sample(1, 'cluster', 10, 20, 200), sample(2, 'cluster', 4, 8, 100), sample(2, 'dev', 2, 4, 50), sample(3, 'dev', 6, 12, 90), sample(3, 'cluster', 12, 24, 180)];
    const r = serversResult(samples, options, cluster);
    expect(r.rounds).toBe(3);
    expect(r.clusterOverDev.hostflowOneWorker).toEqual({ median: 2, min: 2, max: 2 });
    expect(r.clusterOverDev.twinOneWorker.median).toBe(2);
    expect(r.clusterOverDev.apiPerSecond).toEqual({ median: 2, min: 2, max: 2 });
    expect(r.summary.dev.oneWorker.hostflow).toEqual({ median: 5, min: 2, max: 6 });
    expect(r.summary.cluster.oneWorker.hostflow).toEqual({ median: 10, min: 4, max: 12 });
    expect(r.errors).toBe(0);
  });

  it('renders three summary rows and one table row per round and server', () => {
    const r = serversResult([sample(1, 'dev', 5, 10, 100), sample(1, 'cluster', 10, 20, 200)], { ...options, rounds: 1 }, cluster);
    const rows = serversSummaryRows(r);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('real 10.00/s, twin 20.00/s, ratio 0.50; dev 5.00/s');
    expect(rows[0]).toContain('Hostflow 2.00×');
    expect(rows[2]).toContain('real p50 500 ms, p99 750 ms, 200 req/s; dev p50 1.00 s');
    const md = serversMarkdown(r).join('\n');
    expect(md).toContain('4 history shards');
    expect(md).toContain('| 1 | dev server | 5.00 | 10.00 | 0.50 |');
    expect(md).toContain('| 1 | real server | 10.00 | 20.00 | 0.50 |');
  });
});
