// The worker's tracing, started from the environment (config/tracing.ts) when it is on, and only
// then are OpenTelemetry and the SDK's interceptors loaded (dynamic imports): a worker with tracing
// off loads none of it and exports nothing.
import { existsSync } from 'node:fs';
import { tracingSettings } from '../config/tracing';
import { hostflowVersion } from './health';
import { tracingBundlePath } from './tracing-bundle';
import type { WorkerTracing } from './tracing';

export interface StartedWorkerTracing {
  tracesUrl: string;
  options: WorkerTracing;
  /** The tracing bundle next to a pre-built WORKFLOW_BUNDLE; an error if it was not built. */
  bundlePath(plainBundlePath: string): string;
  shutdown(): Promise<void>;
}

export async function startWorkerTracing(env: NodeJS.ProcessEnv = process.env): Promise<StartedWorkerTracing | undefined> {
  const settings = tracingSettings(env, 'hostflow-worker');
  if (!settings) return undefined;
  const [{ startTracing }, { workerTracing }] = await Promise.all([import('../config/tracing-pipeline'), import('./tracing')]);
  const tracing = startTracing(settings, hostflowVersion());
  return {
    tracesUrl: settings.tracesUrl,
    options: workerTracing(tracing),
    bundlePath(plainBundlePath) {
      const traced = tracingBundlePath(plainBundlePath);
      // Loading the plain bundle would trace activities but silently lose every workflow span.
      if (!existsSync(traced)) throw new Error(`tracing is on but ${traced} does not exist: build it with npm run build (or npm run build:workflows)`);
      return traced;
    },
    shutdown: () => tracing.shutdown(),
  };
}
