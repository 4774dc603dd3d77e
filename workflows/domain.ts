// The shapes workflows pass around: the instance, an operation request and its outcome, the
// entity's input, carried state and query answer. Types only (plus the default timings).
import type { BillingPolicy, BillingView } from './billing-types';
import type { HealthStatus } from './fleet-types';
import type { InstanceStatus, OperationStatus, OperationType } from './statuses';
import type { TransitionRecord } from './transition-record';

/** What the instance is, as the workflows see it. No e-mail address, no secret. */
export interface InstanceSpec {
  instanceId: string;
  customerId: string;
  serviceId: string;
  plan: string;
  region: string;
  subdomain: string;
  sshKeys: string[];
  /** The plan includes Hetzner's automatic backups (catalog); set by the API at create. */
  backups?: boolean;
}

export interface OperationArgs {
  /** resize: the target plan. */
  plan?: string;
  /** terminate: take a snapshot before deleting the server. */
  snapshot?: boolean;
  reason?: string;
  /** rebuild: a system image from the catalog (e.g. ubuntu-24.04)… */
  image?: string;
  /** …or one of the instance's snapshots; delete_snapshot: the snapshot to delete. */
  snapshotId?: number;
  /** snapshot: the customer's label for it. */
  description?: string;
}

/** One of the instance's Hostflow snapshots, as the read model lists it. */
export interface SnapshotView {
  imageId: number;
  description: string;
  createdAt: string;
  /** GB, when Hetzner has measured it. */
  sizeGb?: number;
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

/** An operation the entity asks for itself (billing, a monitor), reserved in the read model before it is queued. */
export interface ReservedRequest {
  type: OperationType;
  args: OperationArgs;
  requestedBy: string;
  /** Unique per reservation of the entity (an event id, a grace deadline, a health change's key). */
  reservationKey: string;
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
  /** Revision 4: the entity's "operation started" record, which the child hands to the first
   * activity it schedules to write (workflows/operation-activities.ts). */
  started?: TransitionRecord;
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
  /** snapshot, delete_snapshot: the instance's snapshots after the change (the read model's list). */
  snapshots?: SnapshotView[];
  /** provision: the location was not the region's first choice (it had no capacity). */
  fellBackFrom?: string;
  /** Revision 5: the child's last activity wrote the success record (operation-end.ts), so the
   * entity writes none. Unset: the entity writes it (older revisions, a worker that ignored it). */
  recorded?: true;
}

/** What a VPS reports instead of ready when its install failed (`failed` callback). */
export interface VmFailure {
  reason: string;
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
  billing: BillingView;
  /** The health monitor's last word (unset before the first change). */
  health?: HealthStatus;
}

/** Everything an entity workflow run starts with; `carried` is set only by continue-as-new. */
export interface InstanceWorkflowInput {
  instance: InstanceSpec;
  /** How long provision waits for the VPS's ready callback (default 15 min). */
  readyTimeoutMs?: number;
  /** Overrides of the other waits (tests). */
  timings?: Partial<OperationTimings>;
  /** Continue-as-new after this many operations even if Temporal does not suggest it (tests). */
  continueAsNewAfterOperations?: number;
  /** Dunning grace periods (the API sets them from configuration; unset: the defaults). */
  billing?: Partial<BillingPolicy>;
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
  billing?: BillingView;
  /** The health monitor's last word (monitoring.ts). */
  health?: HealthStatus;
}
