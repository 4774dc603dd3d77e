// Reading a failure that came back from a child workflow or an activity: its type (from the
// small set in activities/errors.ts, or a workflow's own) and the message an operator should see.
import { ApplicationFailure, isCancellation, TemporalFailure } from '@temporalio/workflow';

export const FailureType = {
  ProvisionFailed: 'ProvisionFailed',
  CompensationFailed: 'CompensationFailed',
  ReadyTimeout: 'ReadyTimeout',
  OperationRefused: 'OperationRefused',
  /** provision: the VPS is ready, the welcome e-mail or billing notice is not sent (details: ResumeAfterReady). */
  ReadyButNotNotified: 'ReadyButNotNotified',
} as const;

export interface FailureInfo {
  type: string | undefined;
  message: string;
  cancelled: boolean;
  details: unknown[];
}

/** The outermost ApplicationFailure is the real cause: wrappers (child, activity) only say where.
 * Hostflow's own typed failures carry no `cause`, so their type wins over the activity's. */
export function describeFailure(error: unknown): FailureInfo {
  let type: string | undefined;
  let message = error instanceof Error ? error.message : String(error);
  let details: unknown[] = [];
  let current: unknown = error;
  while (current instanceof TemporalFailure) {
    if (current instanceof ApplicationFailure) {
      type = current.type ?? undefined;
      message = current.message;
      details = current.details ?? [];
      break;
    }
    current = current.cause;
  }
  return { type, message, cancelled: isCancellation(error), details };
}
