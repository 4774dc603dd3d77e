// The API's only door to Temporal: start an instance's entity workflow, signal it, signal what a
// VPS reports (ready or failed) to the provision or rebuild waiting for it, and ping. Signals, not updates, so the API answers while every
// worker is down: Temporal keeps the request until a worker picks it up.
import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type SignalDefinition,
  type WorkflowSignalWithStartOptions,
} from '@temporalio/client';
import type { BillingEvent } from '../workflows/billing-types';
import type { InstanceWorkflowInput, OperationRequest, ReadyPayload, VmFailure } from '../workflows/domain';
import { INSTANCE_WORKFLOW_TYPE, instanceWorkflowId } from '../workflows/ids';
import { billingEventSignal, readySignal, requestOperationSignal, vmFailedSignal } from '../workflows/messages';
import { instanceSearchAttributes } from '../workflows/search-attributes';

export interface TemporalGateway {
  /**
   * Start the entity workflow with its provision request (signalWithStart). Already running or
   * already closed both count as done: the billing system's retry of a create must heal, not fail.
   */
  startInstance(input: InstanceWorkflowInput, provision: OperationRequest): Promise<void>;
  /** Signal `requestOperation` to `instance-<id>`. Throws EntityWorkflowGoneError if it is not running. */
  requestOperation(instanceId: string, request: OperationRequest): Promise<void>;
  /** Signal `billingEvent` (a verified, in-order Paddle / Stripe event) to `instance-<id>`. Throws EntityWorkflowGoneError if it is not running. */
  signalBilling(instanceId: string, event: BillingEvent): Promise<void>;
  /**
   * Signal what the VPS reported (`ready`, or `vmFailed`) to the operation workflow waiting for it
   * (a provision or a rebuild); 'finished' when that workflow is no longer running.
   */
  signalVm(workflowId: string, report: VmReport): Promise<'delivered' | 'finished'>;
  /** A cheap round trip to the frontend; throws when Temporal does not answer. */
  ping(): Promise<void>;
}

export type VmReport = { kind: 'ready'; payload: ReadyPayload } | { kind: 'failed'; payload: VmFailure };

/** Temporal did not answer (down, unreachable, overloaded, deadline): the API says 503. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

/** The entity workflow to signal does not exist or has closed. */
export class EntityWorkflowGoneError extends Error {
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} is not running`);
    this.name = 'EntityWorkflowGoneError';
  }
}

/** The part of @temporalio/client's Client the gateway uses; tests pass a recording fake. */
export interface WorkflowClientLike {
  workflow: {
    signalWithStart(
      workflowType: string,
      options: WorkflowSignalWithStartOptions<[OperationRequest]> & { args: [InstanceWorkflowInput] },
    ): Promise<unknown>;
    getHandle(workflowId: string): { signal<Args extends unknown[]>(def: SignalDefinition<Args>, ...args: Args): Promise<void> };
  };
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
  connection: { withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> };
}

export interface GatewayOptions {
  taskQueue: string;
  /** Upper bound for one call, so a request never hangs while the SDK retries a dead frontend. */
  callTimeoutMs?: number;
  pingTimeoutMs?: number;
}

// The gRPC status codes the gateway tells apart. @grpc/grpc-js names them too, but it reaches us
// only through @temporalio/client, so we name the few we read rather than import a transitive package.
const GrpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

/** Codes that mean "not now" rather than "never": the API answers 503 and the caller retries. */
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.CANCELLED,
  GrpcStatus.ABORTED,
]);

function isTransient(error: unknown): boolean {
  if (isGrpcDeadlineError(error)) return true;
  if (isGrpcServiceError(error)) return TRANSIENT_GRPC_CODES.has(error.code);
  if (error instanceof ServiceError) return error.cause === undefined || isTransient(error.cause);
  return false;
}

function translate(error: unknown): unknown {
  return isTransient(error) ? new TemporalUnavailableError(error) : error;
}

export function createTemporalGateway(client: WorkflowClientLike | Client, options: GatewayOptions): TemporalGateway {
  const c = client as WorkflowClientLike;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 3_000;
  const bounded = <R>(fn: () => Promise<R>, ms = callTimeoutMs): Promise<R> => c.connection.withDeadline(Date.now() + ms, fn);

  return {
    async startInstance(input, provision) {
      const { instance } = input;
      try {
        await bounded(() =>
          c.workflow.signalWithStart(INSTANCE_WORKFLOW_TYPE, {
            workflowId: instanceWorkflowId(instance.instanceId),
            taskQueue: options.taskQueue,
            args: [input],
            signal: requestOperationSignal,
            signalArgs: [provision],
            // One entity workflow per instance, ever: a closed one is not started again.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: instanceSearchAttributes(instance, 'provisioning', 'provision'),
            staticSummary: `Instance ${instance.subdomain} · ${instance.plan} · ${instance.region}`,
          }),
        );
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return;
        throw translate(error);
      }
    },

    async requestOperation(instanceId, request) {
      const workflowId = instanceWorkflowId(instanceId);
      try {
        await bounded(() => c.workflow.getHandle(workflowId).signal(requestOperationSignal, request));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new EntityWorkflowGoneError(workflowId);
        throw translate(error);
      }
    },

    async signalBilling(instanceId, event) {
      const workflowId = instanceWorkflowId(instanceId);
      try {
        await bounded(() => c.workflow.getHandle(workflowId).signal(billingEventSignal, event));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new EntityWorkflowGoneError(workflowId);
        throw translate(error);
      }
    },

    async signalVm(workflowId, report) {
      try {
        const handle = c.workflow.getHandle(workflowId);
        await bounded(() => (report.kind === 'ready' ? handle.signal(readySignal, report.payload) : handle.signal(vmFailedSignal, report.payload)));
        return 'delivered';
      } catch (error) {
        // The operation already finished (or timed out): a repeated callback is still acknowledged.
        if (error instanceof WorkflowNotFoundError) return 'finished';
        throw translate(error);
      }
    },

    async ping() {
      try {
        await bounded(() => c.workflowService.getSystemInfo({}), pingTimeoutMs);
      } catch (error) {
        throw new TemporalUnavailableError(error);
      }
    },
  };
}
