// The fleet sweeps' Temporal Schedules (DESIGN "Sweeps, not per-instance timers"): health every
// HEALTH_SWEEP_INTERVAL, drift every DRIFT_SWEEP_INTERVAL. Created by every worker at start and by
// `npm run schedules`; safe to run any number of times at once: create, and if the schedule is
// already there, update it to these settings (a pause an operator set in the Web UI is kept).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleUpdateOptions } from '@temporalio/client';
import { DRIFT_SWEEP_SCHEDULE_ID, DRIFT_SWEEP_WORKFLOW_ID, HEALTH_SWEEP_SCHEDULE_ID, HEALTH_SWEEP_WORKFLOW_ID } from '../workflows/ids';

export interface SchedulePlan {
  taskQueue: string;
  healthIntervalMs: number;
  driftIntervalMs: number;
}

export interface ScheduleOutcome {
  scheduleId: string;
  outcome: 'created' | 'updated';
  intervalMs: number;
}

/** Starts are spread over this share of the interval, so many deployments don't sweep at :00 together. */
const JITTER_SHARE = 0.1;
/** A run that has not finished by then is cut off; with the jitter, it always ends before the next starts. */
const RUN_TIMEOUT_SHARE = 0.8;

interface SweepSchedule {
  scheduleId: string;
  workflowType: string;
  workflowId: string;
  intervalMs: number;
  /** What the Web UI's Schedules page shows, and the started runs' summary. */
  what: string;
  setting: string;
}

function sweepSchedules(plan: SchedulePlan): SweepSchedule[] {
  return [
    {
      scheduleId: HEALTH_SWEEP_SCHEDULE_ID,
      workflowType: 'healthSweepWorkflow',
      workflowId: HEALTH_SWEEP_WORKFLOW_ID,
      intervalMs: plan.healthIntervalMs,
      what: 'Fleet health sweep: checks every live instance\'s health URL, marks instances unhealthy or recovered, requests automatic reboots and alerts',
      setting: 'HEALTH_SWEEP_INTERVAL',
    },
    {
      scheduleId: DRIFT_SWEEP_SCHEDULE_ID,
      workflowType: 'driftSweepWorkflow',
      workflowId: DRIFT_SWEEP_WORKFLOW_ID,
      intervalMs: plan.driftIntervalMs,
      what: 'Drift reconciliation: compares Hetzner servers and Cloudflare records with the read model, repairs or alerts on what differs',
      setting: 'DRIFT_SWEEP_INTERVAL',
    },
  ];
}

/** 300000 → "5m", 3600000 → "1h": the same units as the settings. */
export function formatInterval(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

function scheduleNote(s: SweepSchedule): string {
  return `${s.what}. Every ${formatInterval(s.intervalMs)} (${s.setting}); kept by every Hostflow worker at start and by \`npm run schedules\`. Pause here to stop it: workers keep a pause.`;
}

function scheduleDefinition(s: SweepSchedule, taskQueue: string): Omit<ScheduleUpdateOptions, 'state'> {
  return {
    spec: { intervals: [{ every: s.intervalMs }], jitter: Math.round(s.intervalMs * JITTER_SHARE) },
    action: {
      type: 'startWorkflow',
      workflowType: s.workflowType,
      workflowId: s.workflowId,
      taskQueue,
      args: [],
      workflowRunTimeout: Math.round(s.intervalMs * RUN_TIMEOUT_SHARE),
      staticSummary: `${s.what.split(':')[0]} (every ${formatInterval(s.intervalMs)})`,
    },
    policies: {
      // A sweep still running when the next is due: the next is skipped, never queued or run alongside.
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage, one missed sweep is run (SKIP drops the rest), not one per missed interval.
      catchupWindow: s.intervalMs,
    },
  };
}

export async function ensureSchedules(client: Client, plan: SchedulePlan): Promise<ScheduleOutcome[]> {
  const outcomes: ScheduleOutcome[] = [];
  for (const s of sweepSchedules(plan)) {
    const definition = scheduleDefinition(s, plan.taskQueue);
    try {
      await client.schedule.create({ scheduleId: s.scheduleId, ...definition, state: { note: scheduleNote(s) } });
      outcomes.push({ scheduleId: s.scheduleId, outcome: 'created', intervalMs: s.intervalMs });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(s.scheduleId).update((previous) => ({
        ...definition,
        // An operator's pause, and the reason they wrote in its note, outlive every worker restart.
        state: previous.state.paused ? { paused: true, note: previous.state.note } : { paused: false, note: scheduleNote(s) },
      }));
      outcomes.push({ scheduleId: s.scheduleId, outcome: 'updated', intervalMs: s.intervalMs });
    }
  }
  return outcomes;
}
