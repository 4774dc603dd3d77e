// The real worker process (`node --import tsx workers/main.ts`, as `npm run worker` runs it) on a
// test stack started with `worker: false`: spawned, killed with SIGKILL, spawned again. Each
// process leads its own process group, so a kill also takes any helper it started (tsx's esbuild
// service); `killAll()` in afterAll makes sure none outlives the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Stack } from './stack';
import { withWorkerProcessEnv } from '../../workers/process-env';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  pid: number;
  /** JSON log lines seen so far (the last few hundred). */
  lines: Record<string, unknown>[];
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** When `spawn` was called, and when the worker said it polls (ms since the epoch). */
  spawnedAt: number;
  pollingAt: number;
}

export interface WorkerProcesses {
  /** Spawn a worker and wait until it polls the stack's task queue. */
  start(): Promise<WorkerProcess>;
  /** SIGKILL the worker's process group and wait until it is gone. */
  kill(worker: WorkerProcess): Promise<void>;
  /** SIGKILL every worker still alive (afterAll). */
  killAll(): Promise<void>;
}

export function workerProcesses(stack: Stack): WorkerProcesses {
  const alive = new Map<number, { child: ChildProcess; exited: Promise<void> }>();

  const killGroup = async (pid: number) => {
    const entry = alive.get(pid);
    if (!entry) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await entry.exited;
    alive.delete(pid);
  };

  return {
    async start() {
      const spawnedAt = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], {
        cwd: ROOT,
        detached: true,
        env: withWorkerProcessEnv({
          ...process.env,
          ...stack.env,
          TEMPORAL_ADDRESS: stack.temporal.address,
          TEMPORAL_NAMESPACE: stack.temporal.namespace,
          // A fixed Prometheus port would collide with other workers on this machine.
          WORKER_METRICS_ADDRESS: 'off',
          LOG_LEVEL: 'info',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const pid = child.pid!;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      alive.set(pid, { child, exited });
      const lines: Record<string, unknown>[] = [];
      let buffer = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (buffer + chunk).split('\n');
        buffer = parts.pop() ?? '';
        for (const part of parts) {
          if (!part.trim()) continue;
          try {
            lines.push(JSON.parse(part) as Record<string, unknown>);
          } catch {
            lines.push({ msg: part });
          }
          if (lines.length > 500) lines.shift();
        }
      });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
      });
      const worker: WorkerProcess = { pid, lines, exited, spawnedAt, pollingAt: 0 };
      const deadline = Date.now() + 90_000;
      while (!lines.some((l) => l.msg === 'worker polling')) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker process exited (${child.exitCode ?? child.signalCode}) before polling: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`the worker process did not poll within 90 s: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      worker.pollingAt = Date.now();
      return worker;
    },
    kill: (worker) => killGroup(worker.pid),
    async killAll() {
      for (const pid of [...alive.keys()]) await killGroup(pid);
    },
  };
}
