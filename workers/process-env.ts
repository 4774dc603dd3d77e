// Settings the worker process must be started with: glibc and V8 read them when the process starts,
// so workers/main.ts cannot set them itself. `npm run worker`, the dev launcher, the tests and the
// benchmarks start workers with them; the image and the k8s manifest set the same; under systemd
// set them yourself. Measured with 10,000 idle instance workflows (`npx tsx bench/run.ts --only
// idleMemory`; README, Benchmarks).
//
// MALLOC_ARENA_MAX=2: the SDK's Rust core and Node run many threads, and glibc gives each its own
// malloc arena; freed memory then stays spread over them (355 → 265 MiB RSS at 1,000).
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ = 128 KiB: glibc otherwise raises its mmap
// threshold as large blocks are freed, and replaying thousands of evicted workflows then leaves
// their buffers in a heap it never hands back (424 → 374 MiB at 10,000).
// --max-semi-space-size=2 (MiB): V8's young generation, per isolate (the main thread and the
// workflow thread), may otherwise grow to 16 MiB per semi-space; a worker allocates short-lived
// objects fast but needs none of that room (424 → 360 MiB at 10,000; provisions/s unchanged).
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
export const WORKER_NODE_OPTIONS = '--max-semi-space-size=2';

/** `env` plus the worker settings, unless the environment already chose its own values. */
export function withWorkerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) merged[name] ??= value;
  const nodeOptions = merged.NODE_OPTIONS ?? '';
  if (!nodeOptions.includes('--max-semi-space-size')) merged.NODE_OPTIONS = `${WORKER_NODE_OPTIONS} ${nodeOptions}`.trim();
  return merged;
}
