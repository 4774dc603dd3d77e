// Settings the worker process must be started with: glibc reads them when the process starts, so
// workers/main.ts cannot set them itself. `npm run worker`, the dev launcher, the tests and the
// benchmarks start workers with them; set them the same way under systemd or in a container.
//
// MALLOC_ARENA_MAX=2: the SDK's Rust core and Node run many threads, and glibc gives each its own
// malloc arena; freed memory then stays spread over them. Measured with 1,000 idle instance
// workflows (`npm run bench -- --only idleMemory`): RSS 355 MiB with glibc's default, 265 MiB with 2.
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** `env` plus the worker settings, unless the environment already chose its own values. */
export function withWorkerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) merged[name] ??= value;
  return merged;
}
