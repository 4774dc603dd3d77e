// The messages a bench child process (Postgres, API, worker) and the harness exchange over the
// fork() IPC channel. Kept in one place so both sides agree on them.
export type ChildMessage =
  | { type: 'ready'; url?: string; port?: number; maxCachedWorkflows?: number }
  | { type: 'memory'; rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'memory'; gc?: boolean } | { type: 'stop' };

export function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Runs `stop` on SIGTERM, SIGINT, a 'stop' message or the parent going away, then exits. */
export function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const run = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', run).once('SIGINT', run);
  process.on('message', (m: ParentMessage) => m.type === 'stop' && run());
  // The harness died without asking (Ctrl-C on a terminal, a crash): don't outlive it.
  process.once('disconnect', run);
}

export function fail(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'error', message });
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
