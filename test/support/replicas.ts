// Production's shape for a test stack: with HOSTFLOW_TEST_REPLICAS=N (CI's cluster run sets 2),
// startStack() serves its API URL through a round-robin HTTP proxy in front of N real API
// processes (`api/main.ts`) and runs N real worker processes (`workers/main.ts`) instead of the
// in-process API and worker. Consecutive requests of one test land on different API processes and
// tasks on different workers, so state kept in one process's memory shows up as a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { forEachLine } from '../../scripts/lib/stream-lines';
import type { Stack } from './stack';
import { workerProcesses, type WorkerProcesses } from './worker-process';

const ROOT = path.resolve(__dirname, '..', '..');

/** How many API and worker processes each stack runs; 1 = the in-process API and worker. */
export function replicaCount(): number {
  const n = Number(process.env.HOSTFLOW_TEST_REPLICAS ?? '1');
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`HOSTFLOW_TEST_REPLICAS=${process.env.HOSTFLOW_TEST_REPLICAS}: expected 1..8`);
  return n;
}

export interface ApiReplicas {
  /** The request handler of the stack's API URL: forwards each request to the next process in turn. */
  proxy: http.RequestListener;
  /** Requests forwarded to each process so far (tests can check both served). */
  served: number[];
  close(): Promise<void>;
}

export async function startApiReplicas(count: number, env: Record<string, string>, temporal: { address: string; namespace: string }): Promise<ApiReplicas> {
  const children: { child: ChildProcess; exited: Promise<void> }[] = [];
  const ports: number[] = [];
  const close = async () => {
    for (const { child, exited } of children) {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'api', 'main.ts')], {
        cwd: ROOT,
        detached: true,
        env: { ...process.env, ...env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, API_PORT: String(port), API_METRICS_ADDRESS: 'off', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Errors an API process logs (a 500's cause) show in the test output; the rest is dropped.
      forEachLine(child.stdout, (line) => {
        if (/"level":(50|60)/.test(line)) process.stderr.write(`[API process ${i}] ${line}\n`);
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
      children.push({ child, exited: new Promise((resolve) => child.once('exit', () => resolve())) });
      ports.push(port);
      await waitForListening(port, child, () => stderr);
    }
  } catch (err) {
    await close();
    throw err;
  }
  const served = ports.map(() => 0);
  let next = 0;
  const proxy: http.RequestListener = (req, res) => {
    const i = next++ % ports.length;
    served[i] = (served[i] ?? 0) + 1;
    const upstream = http.request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: API process ${i} on port ${ports[i]}: ${err.message}`);
    });
    req.pipe(upstream);
  };
  return { proxy, served, close };
}

export interface WorkerReplicas {
  stop(): Promise<void>;
}

export async function startWorkerReplicas(count: number, stack: Pick<Stack, 'env' | 'temporal'>, workflowBundle: string): Promise<WorkerReplicas> {
  // The run's pre-built bundle (WORKFLOW_BUNDLE), as a deployed worker uses its image's bundle.
  // workerProcesses reads only `env` and `temporal`.
  const workers: WorkerProcesses = workerProcesses({ ...stack, env: { ...stack.env, WORKFLOW_BUNDLE: workflowBundle } } as unknown as Stack);
  try {
    await Promise.all(Array.from({ length: count }, () => workers.start()));
  } catch (err) {
    await workers.killAll();
    throw err;
  }
  return { stop: () => workers.killAll() };
}

async function waitForListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`an API process exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1').once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.once('close', () => socket.destroy());
      setTimeout(() => socket.end(), 100);
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`an API process did not listen on ${port} within 60 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
