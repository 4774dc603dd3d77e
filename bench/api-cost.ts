// API cost: POST /api/instances at 100 concurrent requests (keep-alive connections, each request
// signed and for a new service id), against bare signalWithStart calls with the same workflow
// options from a plain Temporal client, in the same run. Both target a task queue no worker
// polls, so neither competes with workflow execution for the CPU: the figure is what the API
// (auth, validation, the read-model transaction) adds to Temporal's own start path. Between the
// two, the same request to bench/processes/http-front.ts (Express and the same gateway, with and
// without the API's create path) splits that into the HTTP hop any API pays, the read-model write
// committed before the start, and the rest of the API's request handling.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { cpuWindow, perItemMs, type CpuSplit } from './cpu-split';
import { createBody } from './drive';
import { startArgs } from './start-args';
import { signedHeaders, type Harness } from './harness';
import { closedLoop, ratio, summarize, type Summary } from './stats';
import { INSTANCE_WORKFLOW_TYPE, instanceWorkflowId } from '../workflows/ids';
import { requestOperationSignal } from '../workflows/messages';
import { instanceSearchAttributes } from '../workflows/search-attributes';

interface Side {
  perSecond: number;
  latency: Summary;
  errors: number;
  firstError?: string;
  /** CPU milliseconds per completed request, by process, over the measuring window. */
  cpuMs?: CpuSplit;
}

export interface ApiCostPoint {
  concurrency: number;
  api: Side;
  /** The same request to bench/processes/http-front.ts running the API's create path (read-model write, then the start) without the API's request handling. */
  createPath?: Side;
  /** The same request to bench/processes/http-front.ts going straight to the start: the HTTP hop alone. */
  httpHop?: Side;
  bareSignalWithStart: Side;
  throughputRatio: number;
}

export interface ApiCostResult extends ApiCostPoint {
  seconds: number;
  /** The same sides at lower concurrency, where the dev server's start rate does not set the latency. */
  sweep: ApiCostPoint[];
  target: { p99Ms: number; ratio: number };
}

function post(agent: http.Agent, url: URL, raw: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...signedHeaders('POST', url, raw), 'Content-Length': Buffer.byteLength(raw) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(raw);
  });
}

/** One signed POST /api/instances for a new service id; throws unless 202. */
export function apiCreate(agent: http.Agent, target: URL): () => Promise<void> {
  return async () => {
    const status = await post(agent, target, JSON.stringify(createBody()));
    if (status !== 202) throw new Error(`POST /api/instances answered ${status}`);
  };
}

/** The same start as the API's, straight from a Temporal client: the baseline. */
export function bareSignalWithStart(h: Harness, queue: string): () => Promise<void> {
  return async () => {
    const body = createBody();
    const { input, provision } = startArgs(body);
    const { instance } = input;
    await h.client.workflow.signalWithStart(INSTANCE_WORKFLOW_TYPE, {
      workflowId: instanceWorkflowId(instance.instanceId),
      taskQueue: queue,
      args: [input],
      signal: requestOperationSignal,
      signalArgs: [provision],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: instanceSearchAttributes(instance, 'provisioning', 'provision'),
      staticSummary: `Instance ${instance.subdomain} · ${instance.plan} · ${instance.region}`,
    });
  };
}

export async function measureApiCost(
  h: Harness,
  options: { concurrency: number; lowConcurrencies: number[]; warmupMs: number; measureMs: number; standIns?: boolean },
): Promise<ApiCostResult> {
  const queue = `bench-api-cost-${randomUUID()}`;
  // The stand-ins only split the API's share; a caller that wants just the two ends leaves them out.
  const modes = options.standIns === false ? [] : (['create', 'hop'] as const);
  const started = await Promise.allSettled([h.startApi({ taskQueue: queue }), ...modes.map((mode) => h.startHttpFront({ taskQueue: queue, mode }))]);
  const processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [api, createPath, hop] = processes;
    const urls = { api: api!.url, createPath: createPath?.url, hop: hop?.url };
    const sweep: ApiCostPoint[] = [];
    for (const [i, concurrency] of options.lowConcurrencies.entries()) sweep.push(await measurePoint(h, urls, queue, { ...options, concurrency }, i));
    const main = await measurePoint(h, urls, queue, options, options.lowConcurrencies.length);
    return { ...main, seconds: options.measureMs / 1000, sweep, target: { p99Ms: 25, ratio: 0.9 } };
  } finally {
    await Promise.all(processes.map((p) => p.handle.stop()));
  }
}

/**
 * One concurrency: each side in turn, the order rotated by `rotation` so that a machine drifting
 * during the figure does not always favour the same side.
 */
async function measurePoint(
  h: Harness,
  urls: { api: string; createPath?: string; hop?: string },
  queue: string,
  options: { concurrency: number; warmupMs: number; measureMs: number },
  rotation: number,
): Promise<ApiCostPoint> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const measure = async (iteration: () => Promise<void>): Promise<Side> => {
    const cpu = cpuWindow(options.warmupMs, options.measureMs);
    const r = await closedLoop({ ...options, iteration });
    return { perSecond: r.perSecond, latency: summarize(r.latenciesMs), errors: r.errors, firstError: r.firstError, cpuMs: perItemMs(await cpu, r.completed) };
  };
  type SideName = 'api' | 'createPath' | 'httpHop' | 'bareSignalWithStart';
  const sides: [SideName, () => Promise<void>][] = [['api', apiCreate(agent, new URL('/api/instances', urls.api))]];
  if (urls.createPath) sides.push(['createPath', apiCreate(agent, new URL('/api/instances', urls.createPath))]);
  if (urls.hop) sides.push(['httpHop', apiCreate(agent, new URL('/api/instances', urls.hop))]);
  sides.push(['bareSignalWithStart', bareSignalWithStart(h, queue)]);
  const measured: Partial<Record<SideName, Side>> = {};
  try {
    for (let i = 0; i < sides.length; i++) {
      const [name, iteration] = sides[(i + rotation) % sides.length]!;
      measured[name] = await measure(iteration);
    }
  } finally {
    agent.destroy();
  }
  const api = measured.api!;
  const bare = measured.bareSignalWithStart!;
  return { concurrency: options.concurrency, api, createPath: measured.createPath, httpHop: measured.httpHop, bareSignalWithStart: bare, throughputRatio: ratio(api.perSecond, bare.perSecond) };
}
