// Messages, names and shapes shared by the API, the worker and the workflows.
// Pure types and SDK definitions only: this file is imported into the workflow sandbox.
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const DEFAULT_TASK_QUEUE = 'hostflow';

export const INSTANCE_STATUSES = [
  'provisioning',
  'running',
  'suspending',
  'suspended',
  'resuming',
  'resizing',
  'rebooting',
  'terminating',
  'terminated',
  'failed',
  'attention',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const OPERATION_TYPES = ['provision', 'suspend', 'unsuspend', 'resize', 'reboot', 'terminate'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** What the instance is, as the workflows see it. No e-mail address, no secret. */
export interface InstanceSpec {
  instanceId: string;
  customerId: string;
  serviceId: string;
  plan: string;
  region: string;
  subdomain: string;
  sshKeys: string[];
}

export interface OperationArgs {
  /** resize: the target plan. */
  plan?: string;
  /** terminate: take a snapshot before deleting the server. */
  snapshot?: boolean;
  reason?: string;
}

/** One request from the API (or an operator) to change an instance. */
export interface OperationRequest {
  operationId: string;
  type: OperationType;
  /** n in the child workflow id `instance-<id>/<op>-<n>`, assigned by the API in request order. */
  seq: number;
  args: OperationArgs;
  idempotencyKey?: string;
  requestedBy: string;
}

/** Where the instance's resources are; the provider ids are not secrets. */
export interface Resources {
  serverId?: number;
  ipAddress?: string;
  dnsRecordId?: string;
  serverType?: string;
  location?: string;
}

export interface OperationInput {
  instance: InstanceSpec;
  operation: OperationRequest;
  resources: Resources;
  /** The stable state the instance was in when the operation's turn came. */
  fromStatus: InstanceStatus;
  timings: OperationTimings;
  /** provision, retried by an operator after the VPS was ready: only the e-mail and billing are left. */
  resumeAfterReady?: ResumeAfterReady;
  /** Which revision of the operation workflows to run (workflows/revisions.ts); unset: 1. */
  revision?: number;
}

export interface ResumeAfterReady {
  resources: Resources;
  ready: ReadyPayload;
}

/** How long each wait lasts; tests shorten them, production keeps the defaults. */
export interface OperationTimings {
  /** provision: how long to wait for the VPS's ready callback (default 15 min). */
  readyTimeoutMs: number;
  /** suspend/resize: ACPI shutdown grace before a hard power-off (default 60 s). */
  shutdownGraceMs: number;
  /** reboot: soft reboot grace before a hard reset (default 120 s). */
  rebootGraceMs: number;
  /** Tests only: shorter activity back-off (and attempts) than the production policies. */
  retry?: RetryTuning;
}

export interface RetryTuning {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  maximumAttempts?: number;
}

export const DEFAULT_TIMINGS: OperationTimings = { readyTimeoutMs: 15 * 60_000, shutdownGraceMs: 60_000, rebootGraceMs: 120_000 };

export interface OperationOutcome {
  status: InstanceStatus;
  resources: Resources;
  plan: string;
  /** Set when nothing had to change (already suspended, same plan…). */
  noop?: string;
  /** provision: what the VPS said in its ready callback. */
  ready?: ReadyPayload;
}

export interface ReadyPayload {
  openclawVersion?: string;
  gatewayPort?: number;
}

export interface OperatorAction {
  reason?: string;
  operator?: string;
}

export interface OperationView {
  operationId: string;
  type: OperationType;
  seq: number;
  status: OperationStatus;
  error?: string;
}

/** The answer of the `state` query. */
export interface InstanceStateView {
  instanceId: string;
  status: InstanceStatus;
  plan: string;
  region: string;
  subdomain: string;
  resources: Resources;
  current?: OperationView;
  queue: OperationView[];
  lastError?: string;
  attention?: { operation: OperationView; error: string; since: string };
}

export const requestOperationSignal = defineSignal<[OperationRequest]>('requestOperation');
export const readySignal = defineSignal<[ReadyPayload]>('ready');
export const retrySignal = defineSignal<[OperatorAction]>('retry');
export const skipSignal = defineSignal<[OperatorAction]>('skip');
export const abortSignal = defineSignal<[OperatorAction]>('abort');
export const stateQuery = defineQuery<InstanceStateView>('state');

export const instanceWorkflowId = (instanceId: string): string => `instance-${instanceId}`;
export const operationWorkflowId = (instanceId: string, type: OperationType, seq: number): string =>
  `instance-${instanceId}/${type}-${seq}`;
/** Provision is always the instance's first operation, so its child id is known to the API. */
export const provisionWorkflowId = (instanceId: string): string => operationWorkflowId(instanceId, 'provision', 1);

/** Everything an entity workflow run starts with; `carried` is set only by continue-as-new. */
export interface InstanceWorkflowInput {
  instance: InstanceSpec;
  /** How long provision waits for the VPS's ready callback (default 15 min). */
  readyTimeoutMs?: number;
  /** Overrides of the other waits (tests). */
  timings?: Partial<OperationTimings>;
  /** Continue-as-new after this many operations even if Temporal does not suggest it (tests). */
  continueAsNewAfterOperations?: number;
  carried?: CarriedState;
}

/** What survives continue-as-new: the whole instance state, queue and seen idempotency keys. */
export interface CarriedState {
  status: InstanceStatus;
  plan: string;
  resources: Resources;
  queue: OperationRequest[];
  /** idempotency key → the operation id it first produced. */
  seenKeys: Record<string, string>;
  lastError?: string;
  operationsRun: number;
}

// Search attributes operators filter on in the Web UI (all Keyword, registered from temporal-dev.yaml).
export const SA_INSTANCE_ID = defineSearchAttributeKey('InstanceId', 'KEYWORD');
export const SA_CUSTOMER_ID = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const SA_PLAN = defineSearchAttributeKey('Plan', 'KEYWORD');
export const SA_REGION = defineSearchAttributeKey('Region', 'KEYWORD');
export const SA_INSTANCE_STATUS = defineSearchAttributeKey('InstanceStatus', 'KEYWORD');
export const SA_OPERATION = defineSearchAttributeKey('Operation', 'KEYWORD');

/** The six attributes every workflow of an instance starts with, in one place. */
export function instanceSearchAttributes(
  instance: Pick<InstanceSpec, 'instanceId' | 'customerId' | 'plan' | 'region'>,
  status: InstanceStatus,
  operation: OperationType | '',
): SearchAttributePair[] {
  return [
    { key: SA_INSTANCE_ID, value: instance.instanceId },
    { key: SA_CUSTOMER_ID, value: instance.customerId },
    { key: SA_PLAN, value: instance.plan },
    { key: SA_REGION, value: instance.region },
    { key: SA_INSTANCE_STATUS, value: status },
    { key: SA_OPERATION, value: operation },
  ];
}

export const INSTANCE_WORKFLOW_TYPE = 'instanceWorkflow';
