// `npm run schedules`: creates or updates the fleet sweeps' Temporal Schedules (workers/schedules.ts)
// from HEALTH_SWEEP_INTERVAL, DRIFT_SWEEP_INTERVAL and TEMPORAL_TASK_QUEUE, on the cluster of the
// standard TEMPORAL_* environment. Every worker does the same at start; this is for a deploy step
// that wants the schedules in place (or changed) before, or without, restarting the workers.
import { z } from 'zod';
import { dataConverterFromEnv } from '../config/data-converter';
import { fleetEnvShape } from '../config/fleet';
import { connectClient, temporalTarget } from '../config/temporal';
import { ensureSchedules, formatInterval } from '../workers/schedules';
import { DEFAULT_TASK_QUEUE } from '../workflows/ids';

const settings = z.object({
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  HEALTH_SWEEP_INTERVAL: fleetEnvShape.HEALTH_SWEEP_INTERVAL,
  DRIFT_SWEEP_INTERVAL: fleetEnvShape.DRIFT_SWEEP_INTERVAL,
});

async function main(): Promise<void> {
  const parsed = settings.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`bad settings:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
  }
  const target = temporalTarget();
  // The cluster's payload codec, so anything the schedules carry is encoded as the workers expect.
  const client = await connectClient(target, dataConverterFromEnv(process.env));
  try {
    const plan = { taskQueue: parsed.data.TEMPORAL_TASK_QUEUE, healthIntervalMs: parsed.data.HEALTH_SWEEP_INTERVAL, driftIntervalMs: parsed.data.DRIFT_SWEEP_INTERVAL };
    for (const { scheduleId, outcome, intervalMs } of await ensureSchedules(client, plan)) {
      process.stdout.write(`${outcome} ${scheduleId} (every ${formatInterval(intervalMs)}, task queue ${plan.taskQueue}) on ${target.address}, namespace ${target.namespace}\n`);
    }
  } finally {
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(`npm run schedules: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
