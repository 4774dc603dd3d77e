// The worker's Temporal metrics (task latencies, poll results, activity and workflow outcomes,
// sticky cache, slots) come from the SDK's native core, exported on a Prometheus endpoint that
// core serves itself: GET http://<WORKER_METRICS_ADDRESS>/metrics.
import { makeTelemetryFilterString, type RuntimeOptions } from '@temporalio/worker';
import { z } from 'zod';
import type { WorkerLogger } from './logging';

/** Loopback by default, so a dev machine exposes nothing; in a container, bind 0.0.0.0:9464. */
export const DEFAULT_WORKER_METRICS_ADDRESS = '127.0.0.1:9464';

const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port, e.g. 0.0.0.0:9464, or "off"');

/**
 * WORKER_METRICS_ADDRESS: where the Prometheus endpoint listens; "off" runs without one (several
 * workers on one host need one port each, or "off" on all but one).
 */
export function workerMetricsAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.WORKER_METRICS_ADDRESS?.trim() || DEFAULT_WORKER_METRICS_ADDRESS;
  if (raw === 'off') return undefined;
  const parsed = hostPort.safeParse(raw);
  if (!parsed.success) throw new Error(`WORKER_METRICS_ADDRESS=${raw}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** What the worker process passes to `Runtime.install`: the JSON logger and the metrics endpoint. */
export function workerRuntimeOptions(options: { logger: WorkerLogger; metricsAddress: string | undefined }): RuntimeOptions {
  return {
    logger: options.logger,
    telemetryOptions: {
      // The native core's own lines go through the same JSON logger; its chatter below WARN does not.
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(options.metricsAddress
        ? {
            metrics: {
              prometheus: { bindAddress: options.metricsAddress, useSecondsForDurations: true, countersTotalSuffix: true },
              globalTags: { service: 'hostflow-worker' },
            },
          }
        : {}),
    },
  };
}
