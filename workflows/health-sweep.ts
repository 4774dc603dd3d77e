// healthSweepWorkflow: one run every 5 minutes, started by the `hostflow-health-sweep` Schedule
// (workers/schedules.ts), for the whole fleet. The counting lives in Postgres, not in the
// entities: an instance whose health does not change costs its own workflow nothing.
import { workflowInfo } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { RetryTuning } from './domain';
import type { HealthSweepReport } from './fleet-types';

/** Tests only: a shorter back-off. Schedules start sweeps with no input. */
export interface SweepInput {
  retry?: RetryTuning;
}

export async function healthSweepWorkflow(input: SweepInput = {}): Promise<HealthSweepReport & { delivered: number }> {
  const { sweep } = activitiesFor(input);
  // The schedule names each run `health-sweep-<time>`: the id marks what this sweep has checked.
  const sweepId = workflowInfo().workflowId;
  const report = await sweep.checkFleetHealth.executeWithOptions({ summary: 'check every running instance (gateway health URL; Hetzner for those failing)' }, [{ sweepId }]);
  // Always, not only when this sweep changed something: a delivery an earlier sweep could not
  // finish is still in the outbox.
  const { delivered } = await sweep.deliverHealthChanges.executeWithOptions({ summary: `tell the instances whose health changed (${report.changes} new)` }, []);
  return { ...report, delivered };
}
