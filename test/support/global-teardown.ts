// Stops what global-setup.ts started, newest first.
const globals = globalThis as typeof globalThis & { __hostflowTest?: { stop(): Promise<void> }[] };

export default async function globalTeardown(): Promise<void> {
  for (const running of (globals.__hostflowTest ?? []).reverse()) await running.stop();
}
