// The entity's state and its bookkeeping, as a plain class: no Temporal calls, so every rule here
// is unit-tested without a server. The workflow (instance-workflow.ts) wires signals to it and
// runs what it decides.
import { DEFAULT_TIMINGS, type CarriedState, type InstanceSpec, type InstanceStateView, type InstanceWorkflowInput, type OperationRequest, type OperationTimings, type OperationView, type Resources } from './domain';
import type { InstanceStatus } from './statuses';
import { isStable, TRANSITIONAL_STATUS } from './transitions';

/** Keys older than this many are forgotten; a billing system retries within minutes, not months. */
export const MAX_SEEN_KEYS = 1000;

export interface Attention {
  request: OperationRequest;
  error: string;
  since: string;
}

export type EnqueueResult =
  | { kind: 'duplicate'; operationId: string }
  | { kind: 'queued'; dropped: OperationRequest[]; cancelProvision: boolean };

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
  }

  /**
   * A request arrives. Same idempotency key (or operation id) as before: nothing new. A terminate
   * drops what is queued and, if a provision is running, asks for it to be cancelled.
   */
  enqueue(request: OperationRequest): EnqueueResult {
    const key = request.idempotencyKey;
    if (key !== undefined && this.seenKeys[key] !== undefined) return { kind: 'duplicate', operationId: this.seenKeys[key] };
    if (this.isKnown(request.operationId)) return { kind: 'duplicate', operationId: request.operationId };
    if (key !== undefined) this.rememberKey(key, request.operationId);

    let dropped: OperationRequest[] = [];
    if (request.type === 'terminate' && !this.queue.some((q) => q.type === 'terminate')) {
      dropped = this.queue;
      this.queue = [];
    }
    this.queue.push(request);
    const cancelProvision = request.type === 'terminate' && this.current?.request.type === 'provision' && this.attention === undefined;
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
    this.status = TRANSITIONAL_STATUS[request.type];
  }

  finish(result: { status: InstanceStatus; plan?: string; resources?: Resources; error?: string }): void {
    this.status = result.status;
    if (result.plan !== undefined) this.plan = result.plan;
    if (result.resources !== undefined) this.resources = { ...this.resources, ...result.resources };
    this.lastError = result.error;
    this.current = undefined;
    this.attention = undefined;
    this.operationsRun += 1;
  }

  enterAttention(error: string, since: string): void {
    if (!this.current) throw new Error('attention needs a running operation');
    this.attention = { request: this.current.request, error, since };
    this.status = 'attention';
    this.lastError = error;
  }

  /** After an operator's retry: the operation runs again, from the state it first started from. */
  resumeFromAttention(): void {
    if (!this.current) throw new Error('nothing to resume');
    this.attention = undefined;
    this.status = TRANSITIONAL_STATUS[this.current.request.type];
  }

  /** The status an operation that gave up leaves behind: where it started (a provision: failed). */
  statusAfterGivingUp(): InstanceStatus {
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
    };
  }

  private isKnown(operationId: string): boolean {
    return this.current?.request.operationId === operationId || this.queue.some((q) => q.operationId === operationId);
  }

  private rememberKey(key: string, operationId: string): void {
    this.seenKeys[key] = operationId;
    const keys = Object.keys(this.seenKeys);
    // Insertion order is kept by JS objects (for string keys), so the first are the oldest.
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_SEEN_KEYS))) delete this.seenKeys[old];
  }
}
