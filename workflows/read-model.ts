// The workflow side of the API's read model: every move of the entity becomes one TransitionRecord
// that the records activity (activities/records.ts) writes. Each carries its own event key, so a
// retried write changes nothing; signal handlers, which cannot wait, leave theirs for the loop.
import { workflowInfo } from '@temporalio/workflow';
import type { ActivityProxies } from './activity-proxies';
import type { OperationOutcome, OperationRequest } from './domain';
import { operationWorkflowId } from './ids';
import type { InstanceState } from './instance-state';
import { succeededRecord } from './operation-end';
import type { OperationStatus } from './statuses';
import { withRecordFirst, type TransitionRecord } from './transition-record';

type Event = TransitionRecord['event'];
type Extra = Omit<Partial<TransitionRecord>, 'instanceId' | 'status' | 'operations' | 'event'>;

export class ReadModelWriter {
  private readonly pending: TransitionRecord[] = [];
  private eventSeq = 0;

  constructor(
    private readonly state: InstanceState,
    private readonly db: ActivityProxies['dbWrite'],
  ) {}

  /** Write one move of `op` now; the instance's status is the state's as it is at this call.
   * `recordFirst` (revision 4): a record the records activity writes before this one, unless its
   * event key is already written. */
  write(op: OperationRequest, status: OperationStatus, event: Omit<Event, 'key'>, extra: Extra = {}, recordFirst?: TransitionRecord): Promise<void> {
    return this.db.recordTransition(withRecordFirst(this.transition(op, status, event, extra), recordFirst));
  }

  /** `op` succeeded with `outcome` (operation-end.ts builds the record; the child's carries the same). */
  writeSucceeded(op: OperationRequest, outcome: OperationOutcome, recordFirst?: TransitionRecord): Promise<void> {
    return this.db.recordTransition(withRecordFirst(succeededRecord(this.state.instance.instanceId, op, outcome, this.nextKey()), recordFirst));
  }

  /** From a signal handler: built now (so it says what was true now), written at the loop's next turn. */
  writeLater(op: OperationRequest, status: OperationStatus, event: Omit<Event, 'key'>): void {
    this.pending.push(this.transition(op, status, event, {}));
  }

  /** A billing change of the instance (no operation): its standing, with an audit event. */
  writeBilling(event: Omit<Event, 'key'>): Promise<void> {
    const { view } = this.state.dunning;
    return this.writeEvent(event, { billing: { state: view.state, graceUntil: view.graceUntil ?? null } });
  }

  /** An audit event of the instance outside any operation (a health change, drift). */
  writeEvent(event: Omit<Event, 'key'>, extra: Pick<TransitionRecord, 'billing'> = {}): Promise<void> {
    return this.db.recordTransition({
      instanceId: this.state.instance.instanceId,
      status: this.state.status,
      ...extra,
      event: { key: this.nextKey(), ...event },
    });
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.db.recordTransition(this.pending.shift()!);
  }

  /**
   * The "operation started" row. It and the child's first step are independent, so the caller may
   * start the child before waiting for it, and must wait for it before recording the end. The no-op
   * catch only keeps a failure from counting as unhandled meanwhile; awaiting it still throws.
   */
  started(op: OperationRequest): Promise<void> {
    const started = this.db.recordTransition(this.startedRecord(op));
    started.catch(() => undefined);
    return started;
  }

  /** The "operation started" row, built now but not written: from revision 4 the child's first
   * activity carries it (OperationInput.started, operation-activities.ts). */
  startedRecord(op: OperationRequest): TransitionRecord {
    return this.transition(op, 'running', { kind: 'operation.started', message: `${op.type} started` }, { currentOperationId: op.operationId, lastError: null });
  }

  private transition(op: OperationRequest, status: OperationStatus, event: Omit<Event, 'key'>, extra: Extra): TransitionRecord {
    const { instanceId } = this.state.instance;
    const error = status === 'succeeded' || status === 'running' ? undefined : event.message;
    return {
      instanceId,
      status: this.state.status,
      operations: [{ request: op, status, workflowId: operationWorkflowId(instanceId, op.type, op.seq), error }],
      event: { key: this.nextKey(), ...event },
      ...extra,
    };
  }

  private nextKey(): string {
    return `${workflowInfo().runId}:${(this.eventSeq += 1)}`;
  }
}
