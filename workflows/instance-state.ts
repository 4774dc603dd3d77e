// The entity's state and every rule about it, as a plain class: no Temporal calls, so each rule
// (queueing, idempotency, how a failure settles an operation, what an operator's answer does) is
// unit-tested without a server. The workflow (instance-workflow.ts) wires signals to it and runs
// what it decides.
import {
  DEFAULT_TIMINGS,
  type CarriedState,
  type InstanceSpec,
  type InstanceStateView,
  type InstanceWorkflowInput,
  type OperationRequest,
  type OperationTimings,
  type OperationView,
  type OperatorAction,
  type Resources,
  type ResumeAfterReady,
} from './domain';
import { DEFAULT_BILLING_POLICY, type BillingEvent, type GraceChange } from './billing-types';
import { Dunning, type BillingWork } from './dunning';
import type { DriftNotice, HealthChange } from './fleet-types';
import { Monitoring } from './monitoring';
import { FailureType } from './failure-types';
import type { FailureInfo } from './failures';
import type { InstanceStatus, OperationStatus } from './statuses';
import type { Attention, EnqueueResult, OperatorChoice, Resolution, Settlement } from './instance-state-types';
import { rememberKey } from './seen-keys';
import { isStable, TRANSITIONAL_STATUS } from './transitions';

export { MAX_SEEN_KEYS } from './seen-keys';
export type { Attention, EnqueueResult, OperatorChoice, Resolution, Settlement } from './instance-state-types';

export class InstanceState {
  readonly instance: InstanceSpec;
  readonly timings: OperationTimings;
  status: InstanceStatus;
  plan: string;
  resources: Resources;
  queue: OperationRequest[];
  seenKeys: Record<string, string>;
  lastError: string | undefined;
  operationsRun: number;
  /** The operation running now and the stable state it started from. */
  current: { request: OperationRequest; fromStatus: InstanceStatus } | undefined;
  attention: Attention | undefined;
  /** The operator's answer to the current `attention`, until the workflow acts on it. */
  operatorChoice: { choice: OperatorChoice; action: OperatorAction } | undefined;
  /** provision, failed after its VPS was ready: what a retry resumes from (only the notices are left). */
  resumeAfterReady: ResumeAfterReady | undefined;
  /** Billing standing and the grace deadline (dunning.ts). */
  readonly dunning: Dunning;
  /** Billing changes the loop has yet to record, tell and queue (signal handlers cannot wait). */
  billingWork: BillingWork[] = [];
  /** Health as the monitor last reported it, and its and the drift sweep's work (monitoring.ts). */
  readonly monitoring: Monitoring;

  constructor(input: InstanceWorkflowInput) {
    this.instance = input.instance;
    this.timings = { ...DEFAULT_TIMINGS, ...input.timings, ...(input.readyTimeoutMs ? { readyTimeoutMs: input.readyTimeoutMs } : {}) };
    const carried = input.carried;
    this.status = carried?.status ?? 'provisioning';
    this.plan = carried?.plan ?? input.instance.plan;
    this.resources = carried?.resources ?? {};
    this.queue = carried?.queue ?? [];
    this.seenKeys = carried?.seenKeys ?? {};
    this.lastError = carried?.lastError;
    this.operationsRun = carried?.operationsRun ?? 0;
    this.dunning = new Dunning({ ...DEFAULT_BILLING_POLICY, ...input.billing }, carried?.billing);
    this.monitoring = new Monitoring(input.instance, carried?.health);
  }

  /** The health monitor's change (healthChanged signal); a redelivered one is ignored. */
  applyHealth(change: HealthChange): void {
    if (this.firstTime(`health:${change.key}`)) this.monitoring.applyHealth(change, this.status);
  }

  /** The drift sweep's notice (driftFound signal); once per episode. */
  applyDrift(notice: DriftNotice): void {
    if (this.firstTime(`drift:${notice.key}`)) this.monitoring.applyDrift(notice, this.status);
  }

  /** A verified billing event arrives (billingEvent signal). */
  applyBilling(event: BillingEvent, nowMs: number): void {
    // A redelivered signal (the API retried after a failure) is the same event: once only.
    const key = `billing-event:${event.eventId}`;
    if (!this.firstTime(key)) return;
    this.addBillingWork(this.dunning.apply(event, nowMs, this.isSuspended()));
  }

  /** An operator moves or cancels the grace deadline (changeGrace signal). */
  changeGrace(change: GraceChange): void {
    this.addBillingWork(this.dunning.change(change));
  }

  /** The loop woke at or after the deadline: suspend or remove, as the grace period said. */
  expireGraceIfDue(nowMs: number): void {
    if (this.dunning.msUntilDeadline(nowMs) === 0) this.addBillingWork(this.dunning.expire(this.isSuspended()));
  }

  /**
   * A request arrives. Same idempotency key (or operation id) as before: nothing new. A terminate
   * drops what is queued and, if a provision is running, asks for it to be cancelled.
   */
  enqueue(request: OperationRequest): EnqueueResult {
    const key = request.idempotencyKey;
    if (key !== undefined && this.seenKeys[key] !== undefined) return { kind: 'duplicate', operationId: this.seenKeys[key] };
    if (this.isKnown(request.operationId)) return { kind: 'duplicate', operationId: request.operationId };
    if (key !== undefined) rememberKey(this.seenKeys, key, request.operationId);

    let dropped: OperationRequest[] = [];
    if (request.type === 'terminate' && !this.queue.some((q) => q.type === 'terminate')) {
      dropped = this.queue;
      this.queue = [];
    }
    this.queue.push(request);
    const cancelProvision = request.type === 'terminate' && this.current?.request.type === 'provision' && this.attention === undefined;
    // A terminate while an operation waits for an operator is that operator's "abort".
    if (request.type === 'terminate') this.chooseForAttention('abort', { operator: request.requestedBy });
    return { kind: 'queued', dropped, cancelProvision };
  }

  next(): OperationRequest | undefined {
    return this.queue.shift();
  }

  /** Put an operation first in line (an operator's abort becomes a terminate). */
  pushFront(request: OperationRequest): void {
    this.queue.unshift(request);
  }

  begin(request: OperationRequest): void {
    this.current = { request, fromStatus: this.status };
    this.resumeAfterReady = undefined;
    this.status = TRANSITIONAL_STATUS[request.type] ?? this.status;
  }

  finish(result: { status: InstanceStatus; plan?: string; resources?: Resources; error?: string }): void {
    this.status = result.status;
    if (result.plan !== undefined) this.plan = result.plan;
    if (result.resources !== undefined) this.resources = { ...this.resources, ...result.resources };
    this.lastError = result.error;
    this.current = undefined;
    this.attention = undefined;
    this.resumeAfterReady = undefined;
    this.operationsRun += 1;
  }

  /**
   * A child workflow of the current operation failed. A provision that rolled back, a refused
   * request and a provision cancelled by terminate end the operation here; anything else waits in
   * `attention` for an operator (`since`: the workflow's clock, ISO).
   */
  settle(failure: FailureInfo, since: string): Settlement {
    const { request, fromStatus } = this.requireCurrent();
    const ended = (operationStatus: OperationStatus, status: InstanceStatus, message: string): Settlement => {
      this.finish({ status, error: message });
      return { kind: 'ended', operationStatus, message };
    };
    if (failure.cancelled) return ended('cancelled', 'failed', `${request.type} cancelled by terminate; rolled back`);
    if (failure.type === FailureType.ProvisionFailed) return ended('failed', 'failed', failure.message);
    if (failure.type === FailureType.OperationRefused) return ended('failed', fromStatus, failure.message);
    if (failure.type === FailureType.ReadyButNotNotified) this.resumeAfterReady = failure.details[0] as ResumeAfterReady | undefined;
    this.enterAttention(failure.message, since);
    return { kind: 'attention', message: failure.message };
  }

  /** An operator (or a terminate request) answers `attention`; ignored when nothing waits. */
  chooseForAttention(choice: OperatorChoice, action: OperatorAction): void {
    if (this.attention) this.operatorChoice = { choice, action };
  }

  /**
   * Act on the operator's answer. retry: the operation runs again. skip: it ends, the instance
   * stays where it was (running, for a provision whose VPS was up). abort: it ends and a terminate
   * is put first in line, unless one is queued already (`newOperationId` names it).
   */
  resolveAttention(newOperationId: () => string): Resolution {
    const { request } = this.requireCurrent();
    const { choice, action } = this.operatorChoice ?? { choice: 'abort', action: {} };
    const error = this.attention?.error ?? this.lastError ?? 'unknown error';
    this.operatorChoice = undefined;
    if (choice === 'retry') {
      this.resumeFromAttention();
      return { kind: 'retry', action, message: `operator asked to retry ${request.type}` };
    }
    const message = `${choice === 'skip' ? 'skipped' : 'aborted'} by an operator after: ${error}`;
    // Skipping the notices of a provision whose VPS is up leaves a running instance, not a failed one.
    const skipped = choice === 'skip' ? this.resumeAfterReady : undefined;
    this.finish({ status: skipped ? 'running' : this.statusAfterGivingUp(), error: message, ...(skipped ? { resources: skipped.resources } : {}) });
    let terminate: OperationRequest | undefined;
    if (choice === 'abort' && !this.queue.some((q) => q.type === 'terminate')) {
      // Numbered after the aborted operation, so its child id cannot collide with one the API hands out.
      terminate = { operationId: newOperationId(), type: 'terminate', seq: request.seq, args: { reason: 'operator abort' }, requestedBy: 'operator:abort' };
      this.pushFront(terminate);
    }
    return { kind: 'ended', choice, action, message, ...(skipped ? { resources: this.resources } : {}), ...(terminate ? { terminate } : {}) };
  }

  private enterAttention(error: string, since: string): void {
    if (!this.current) throw new Error('attention needs a running operation');
    this.attention = { request: this.current.request, error, since };
    this.status = 'attention';
    this.lastError = error;
  }

  /** After an operator's retry: the operation runs again, from the state it first started from. */
  private resumeFromAttention(): void {
    if (!this.current) throw new Error('nothing to resume');
    this.attention = undefined;
    this.status = TRANSITIONAL_STATUS[this.current.request.type] ?? this.current.fromStatus;
  }

  /** The status an operation that gave up leaves behind: where it started (a provision: failed). */
  private statusAfterGivingUp(): InstanceStatus {
    const from = this.current?.fromStatus;
    return from && isStable(from) ? from : 'failed';
  }

  carry(): CarriedState {
    return {
      status: this.status,
      plan: this.plan,
      resources: this.resources,
      queue: this.queue,
      seenKeys: this.seenKeys,
      lastError: this.lastError,
      operationsRun: this.operationsRun,
      billing: this.dunning.view,
      health: this.monitoring.health,
    };
  }

  view(): InstanceStateView {
    const viewOf = (r: OperationRequest, status: OperationView['status']): OperationView => ({ operationId: r.operationId, type: r.type, seq: r.seq, status });
    return {
      instanceId: this.instance.instanceId,
      status: this.status,
      plan: this.plan,
      region: this.instance.region,
      subdomain: this.instance.subdomain,
      resources: this.resources,
      current: this.current ? viewOf(this.current.request, 'running') : undefined,
      queue: this.queue.map((r) => viewOf(r, 'queued')),
      lastError: this.lastError,
      attention: this.attention
        ? { operation: viewOf(this.attention.request, 'running'), error: this.attention.error, since: this.attention.since }
        : undefined,
      billing: this.dunning.view,
      health: this.monitoring.health,
    };
  }

  private addBillingWork(work: BillingWork | undefined): void {
    if (work) this.billingWork.push(work);
  }

  /** Suspended now, or about to be: a billing suspension then has nothing to do (and lifts nothing later). */
  private isSuspended(): boolean {
    return this.status === 'suspended' || this.status === 'suspending' || this.queue.some((q) => q.type === 'suspend');
  }

  private requireCurrent(): NonNullable<InstanceState['current']> {
    if (!this.current) throw new Error('no operation is running');
    return this.current;
  }

  /** Remember a signal's key; false when it was seen before. */
  private firstTime(key: string): boolean {
    if (this.seenKeys[key] !== undefined) return false;
    rememberKey(this.seenKeys, key, key);
    return true;
  }

  private isKnown(operationId: string): boolean {
    return this.current?.request.operationId === operationId || this.queue.some((q) => q.operationId === operationId);
  }

}
