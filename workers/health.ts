// The worker's probes for an orchestrator, and the identity it polls with.
//   GET /livez  200 while the worker has not failed or stopped (restart it otherwise)
//   GET /readyz 200 while it is RUNNING (polling its task queue) and the Temporal frontend answers
// on WORKER_HEALTH_ADDRESS (host:port; off by default, like the metrics endpoint: in a container
// bind 0.0.0.0:8081). The worker takes no traffic through a Service, so readiness only tells a
// rollout when the new pod really polls; liveness is what restarts a wedged one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';

const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port, e.g. 0.0.0.0:8081, or "off"');
const PING_TIMEOUT_MS = 2_000;

export function workerHealthAddress(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } | undefined {
  const raw = env.WORKER_HEALTH_ADDRESS?.trim() || 'off';
  if (raw === 'off') return undefined;
  const parsed = hostPort.safeParse(raw);
  if (!parsed.success) throw new Error(`WORKER_HEALTH_ADDRESS=${raw}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const i = raw.lastIndexOf(':');
  return { host: raw.slice(0, i), port: Number(raw.slice(i + 1)) };
}

/** package.json's version, from the source tree or from dist/ (one level deeper). */
export function hostflowVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hostflow' && pkg.version) return pkg.version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}

/**
 * pid@host hostflow/<version>[+<HOSTFLOW_BUILD_ID>]: what `temporal task-queue describe` and every
 * WorkflowTaskStarted / ActivityTaskStarted event show, so an operator sees which build ran a step.
 * HOSTFLOW_BUILD_ID is the image tag or commit the deploy sets.
 */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const build = env.HOSTFLOW_BUILD_ID?.trim();
  return `${process.pid}@${os.hostname()} hostflow/${hostflowVersion()}${build ? `+${build}` : ''}`;
}

export interface HealthListener {
  url: string;
  close(): Promise<void>;
}

export async function serveWorkerHealth(worker: Pick<Worker, 'getState'>, connection: Pick<NativeConnection, 'workflowService'>, address: { host: string; port: number }): Promise<HealthListener> {
  const server = http.createServer((req, res) => {
    const state = worker.getState();
    const answer = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return answer(405, { error: 'GET only' });
    if (req.url === '/livez') {
      const alive = state !== 'FAILED' && state !== 'STOPPED';
      return answer(alive ? 200 : 503, { status: alive ? 'ok' : 'dead', state });
    }
    if (req.url === '/readyz') {
      if (state !== 'RUNNING') return answer(503, { status: 'not ready', state });
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([
        connection.workflowService.getSystemInfo({}),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS))),
      ]).then(
        () => answer(200, { status: 'ok', state }),
        () => answer(503, { status: 'not ready', state, temporal: 'not answering' }),
      ).finally(() => clearTimeout(timer));
      return;
    }
    answer(404, { error: 'not found: GET /livez or /readyz' });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(address.port, address.host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
