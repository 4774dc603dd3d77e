// What the entity asks the read model to write when an operation moves (activities/records.ts
// writes it): the contract between the workflow side and the records activity.
import type { BillingState } from './billing-types';
import type { OperationRequest, Resources, SnapshotView } from './domain';
import type { InstanceStatus, OperationStatus } from './statuses';

export interface OperationRecord {
  request: OperationRequest;
  status: OperationStatus;
  workflowId: string;
  error?: string;
}

export interface TransitionRecord {
  instanceId: string;
  status: InstanceStatus;
  plan?: string;
  resources?: Resources;
  /** undefined leaves it; null clears it. */
  lastError?: string | null;
  currentOperationId?: string | null;
  /** What the VPS reported in its ready callback. */
  openclawVersion?: string;
  operations?: OperationRecord[];
  /** The instance's billing standing, when it changed. */
  billing?: { state: BillingState; graceUntil: string | null };
  /** The instance's snapshots after a snapshot operation: replaces the read model's list. */
  snapshots?: SnapshotView[];
  event: { key: string; kind: string; message: string; data?: Record<string, unknown> };
}

/**
 * From revision 4 of the operation workflows: a record to write before an activity runs, carried
 * in that activity's own input (`args[0].recordFirst`), so it costs no activity of its own. The
 * worker's activity interceptor (activities/record-first.ts) writes it through the records
 * activity, once by its event key, then runs the activity without it (a failed write is logged,
 * not fatal). recordTransition writes the one its own input carries itself, first, in the same
 * transaction. The entity hands the "operation started" record this way to the child's first
 * activity (workflows/operation-activities.ts) and again to its next write after the child.
 */
export interface RecordFirst {
  recordFirst?: TransitionRecord;
}

/** `record`, carrying `first` to be written before it (when there is one). */
export function withRecordFirst(record: TransitionRecord, first: TransitionRecord | undefined): TransitionRecord & RecordFirst {
  return first ? { ...record, recordFirst: first } : record;
}
