// Reading a failure that came back from a child workflow or an activity: its type (from the
// small set in failure-types.ts, or a workflow's own) and the message an operator should see.
import { ApplicationFailure, isCancellation, TemporalFailure } from '@temporalio/workflow';

export { FailureType } from './failure-types';

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
