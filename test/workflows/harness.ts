// The middle layer of tests: the real workflows (the run's pre-built bundle) on the run's Temporal
// dev server, against stub activities that record their calls and fail when told to. No API, no
// sandbox, no Postgres: one entity branch takes well under a second.
//
// One harness per test file: a worker on a task queue of its own and a client that drives
// `instance-<uuid>` workflows as the API and the VPS do (signalWithStart, requestOperation, ready,
// retry / skip / abort, the `state` query). Every stub call is recorded per instance, so the tests
// of one file never see each other's calls.
import { Context } from '@temporalio/activity';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import type { BillingEvent } from '../../activities/billing';
import { createNoticeActivities } from '../../activities/notices';
import { recordFirstInterceptor } from '../../activities/record-first';
import { dataConverterFromEnv } from '../../config/data-converter';
import type { InstanceSpec, InstanceStateView, InstanceWorkflowInput, OperationArgs, OperationRequest, OperationTimings, ReadyPayload } from '../../workflows/domain';
import { INSTANCE_WORKFLOW_TYPE, instanceWorkflowId, provisionWorkflowId } from '../../workflows/ids';
import { abortSignal, readySignal, requestOperationSignal, retrySignal, skipSignal, stateQuery } from '../../workflows/messages';
import { instanceSearchAttributes } from '../../workflows/search-attributes';
import { isFinalOperationStatus, type OperationStatus, type OperationType } from '../../workflows/statuses';
import type { RecordFirst, TransitionRecord } from '../../workflows/transition-record';
import type { DriftScan, FleetActivities, HealthSweepReport } from '../../workflows/fleet-types';

/** Short waits and back-off, so a failure reaches `attention` (or a timeout fires) in milliseconds. */
export const FAST_TIMINGS: OperationTimings = {
  readyTimeoutMs: 30_000,
  shutdownGraceMs: 1_000,
  rebootGraceMs: 1_000,
  retry: { initialIntervalMs: 10, maximumIntervalMs: 50, maximumAttempts: 2 },
};

/** Typed against the real activities: a renamed or re-shaped activity breaks these tests at compile time. */
export type StubbedActivities = Activities;
export type ActivityName = keyof Activities;

/** The provider side (Hetzner, Cloudflare): sequential within an operation, so their order is asserted. */
const PROVIDER_ACTIVITIES: readonly ActivityName[] = [
  'createServer',
  'waitForServerRunning',
  'ensureDnsRecord',
  'deleteDnsRecord',
  'deleteServer',
  'stopServer',
  'startServer',
  'rebootServer',
  'checkResize',
  'changeServerType',
  'snapshotServer',
  'enableBackup',
  'rebuildServer',
  'resetRootPassword',
  'takeSnapshot',
  'deleteSnapshot',
];

/** The customer's access at Hetzner (revision 3): SSH keys and the instance's firewall, asserted on their own. */
export const ACCESS_ACTIVITIES: readonly ActivityName[] = ['ensureSshKeys', 'ensureFirewall', 'deleteFirewall', 'deleteUnusedSshKeys'];

export interface StubCall {
  activity: ActivityName;
  input: any;
  /** 'failed' when the stub threw (a fault), 'ok' otherwise. */
  outcome: 'ok' | 'failed';
  /** What the stub answered (when it did). */
  result?: unknown;
}

export interface Fault {
  /** ApplicationFailure type; default a plain retryable failure. */
  type?: string;
  nonRetryable?: boolean;
  message?: string;
  /** How many attempts fail before the stub succeeds again (default: every one, until cleared). */
  times?: number;
}

interface Hold {
  reached: () => void;
  released: Promise<void>;
}

interface PerInstance {
  calls: StubCall[];
  faults: Map<ActivityName, Required<Pick<Fault, 'times'>> & Fault>;
  holds: Map<ActivityName, Hold>;
  releaseAll: (() => void)[];
}

/** Stub activities that record their calls per instance and can be told to fail or to wait. */
export class Stubs {
  private readonly byInstance = new Map<string, PerInstance>();
  private serverSeq = 1000;
  /** reserveOperation: one number per reservation key, as the real activity keeps it. */
  private readonly reservations = new Map<string, number>();
  /** recordTransition: the event keys written, as the read model's dedupe key keeps them. */
  private readonly writtenKeys = new Set<string>();
  /** The records stub, also the writer of the worker's recordFirst interceptor (revision 4). */
  recordTransition: (input: TransitionRecord) => Promise<void> = () => Promise.reject(new Error('activities() was not called'));

  of(instanceId: string): PerInstance {
    let entry = this.byInstance.get(instanceId);
    if (!entry) this.byInstance.set(instanceId, (entry = { calls: [], faults: new Map(), holds: new Map(), releaseAll: [] }));
    return entry;
  }

  /** The next calls of `activity` for this instance fail as described. */
  fail(instanceId: string, activity: ActivityName, fault: Fault = {}): void {
    this.of(instanceId).faults.set(activity, { ...fault, times: fault.times ?? Number.POSITIVE_INFINITY });
  }

  heal(instanceId: string, activity?: ActivityName): void {
    if (activity) this.of(instanceId).faults.delete(activity);
    else this.of(instanceId).faults.clear();
  }

  /** Lets every held activity go (a failed test must not keep the worker from shutting down). */
  releaseAll(): void {
    for (const entry of this.byInstance.values()) entry.releaseAll.splice(0).forEach((release) => release());
  }

  /** The next call of `activity` waits (heartbeating) until released. Resolves `reached` once it is in the stub. */
  hold(instanceId: string, activity: ActivityName): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.of(instanceId).holds.set(activity, { reached, released });
    this.of(instanceId).releaseAll.push(release);
    return { reached: reachedPromise, release };
  }

  private async enter(activity: ActivityName, instanceId: string, input: unknown): Promise<StubCall> {
    const entry = this.of(instanceId);
    const call: StubCall = { activity, input, outcome: 'ok' };
    entry.calls.push(call);
    const hold = entry.holds.get(activity);
    if (hold) {
      entry.holds.delete(activity);
      hold.reached();
      const beat = setInterval(() => Context.current().heartbeat(), 500);
      try {
        await hold.released;
      } finally {
        clearInterval(beat);
      }
    }
    const fault = entry.faults.get(activity);
    if (fault && fault.times > 0) {
      fault.times -= 1;
      call.outcome = 'failed';
      throw ApplicationFailure.create({
        type: fault.type ?? 'Stub.Transient',
        nonRetryable: fault.nonRetryable ?? false,
        message: fault.message ?? `${activity}: stub failure (${fault.type ?? 'transient'})`,
      });
    }
    return call;
  }

  activities(): StubbedActivities {
    const nextServerId = () => (this.serverSeq += 1);
    const typeOf = (plan: string) => `type-${plan}`;
    const idOf = (input: { instance: InstanceSpec } | { instanceId: string }) => ('instance' in input ? input.instance.instanceId : input.instanceId);
    // One wrapper per activity: record, maybe wait, maybe fail, then answer as the real one would.
    const stub = <I extends { instance: InstanceSpec } | { instanceId: string }, R>(name: ActivityName, answer: (input: I) => R) =>
      async (input: I): Promise<Awaited<R>> => {
        const call = await this.enter(name, idOf(input), input);
        const result = await answer(input);
        call.result = result;
        return result;
      };
    const sendEmail = stub('sendEmail', () => 'sent' as const);
    const notifyBilling = stub('notifyBilling', (_: BillingEvent) => 'sent' as const);
    const recordTransition = stub('recordTransition', () => undefined);
    // As records.ts: a record whose event key is already written changes nothing (and is not a call).
    this.recordTransition = async (input) => {
      if (this.writtenKeys.has(input.event.key)) return;
      await recordTransition(input);
      this.writtenKeys.add(input.event.key);
    };
    // As records.ts: a record the write carries (revision 4's "started") is written first.
    const writeTransition = async ({ recordFirst, ...record }: TransitionRecord & RecordFirst) => {
      if (recordFirst) await this.recordTransition(recordFirst);
      await this.recordTransition(record);
    };
    return {
      createServer: stub('createServer', ({ instance }) => {
        const serverId = nextServerId();
        return { serverId, ipAddress: `203.0.113.${serverId % 250}`, serverType: typeOf(instance.plan), location: `loc-${instance.region}`, createActionId: serverId * 10 };
      }),
      waitForServerRunning: stub('waitForServerRunning', () => undefined),
      ensureDnsRecord: stub('ensureDnsRecord', ({ instance }) => ({ dnsRecordId: `dns-${instance.instanceId}` })),
      deleteDnsRecord: stub('deleteDnsRecord', ({ instance }) => ({ deleted: [`dns-${instance.instanceId}`] })),
      deleteServer: stub('deleteServer', ({ serverId }) => ({ deleted: serverId === undefined ? [] : [serverId] })),
      stopServer: stub('stopServer', () => 'shut down' as const),
      startServer: stub('startServer', () => 'started' as const),
      rebootServer: stub('rebootServer', () => 'rebooted' as const),
      checkResize: stub('checkResize', ({ instance, plan }) => ({ serverType: typeOf(plan), alreadyThere: plan === instance.plan })),
      changeServerType: stub('changeServerType', () => undefined),
      snapshotServer: stub('snapshotServer', ({ serverId }) => ({ imageId: serverId + 500_000 })),
      sendEmail,
      notifyBilling,
      // The real composition over the stubs above: each side is recorded (and fails) as its own stub.
      notifyCustomerAndBilling: stub('notifyCustomerAndBilling', (input) => createNoticeActivities({ sendEmail, notifyBilling, recordTransition: writeTransition }).notifyCustomerAndBilling(input)),
      recordTransition: writeTransition,
      recordResources: stub('recordResources', () => undefined),
      armReadyCallback: stub('armReadyCallback', () => undefined),
      reserveOperation: stub('reserveOperation', ({ reservationKey }) => {
        const seq = (this.reservations.get(reservationKey) ?? this.reservations.set(reservationKey, 1000 + this.reservations.size).get(reservationKey))!;
        return { operationId: `reserved-${seq}-${reservationKey}`, seq };
      }),
      ensureSshKeys: stub('ensureSshKeys', ({ instance }) => ({ sshKeyIds: instance.sshKeys.map((_, i) => 9000 + i), fingerprints: instance.sshKeys.map((_, i) => `fp:${i}`) })),
      ensureFirewall: stub('ensureFirewall', ({ instance }) => ({ firewallId: 7000 + (instance.instanceId.charCodeAt(0) % 100) })),
      deleteFirewall: stub('deleteFirewall', () => ({ deleted: [7000] })),
      deleteUnusedSshKeys: stub('deleteUnusedSshKeys', () => ({ deleted: [] })),
      enableBackup: stub('enableBackup', () => 'enabled' as const),
      rebuildServer: stub('rebuildServer', ({ image }) => ({ image })),
      resetRootPassword: stub('resetRootPassword', () => ({ sent: true as const })),
      takeSnapshot: stub('takeSnapshot', ({ serverId, description }) => ({
        imageId: serverId + 600_000,
        snapshots: [{ imageId: serverId + 600_000, description: description ?? 'snapshot', createdAt: '2026-11-29T00:00:00.000Z' }],
      })),
      deleteSnapshot: stub('deleteSnapshot', () => ({ snapshots: [] })),
      ...this.fleetActivities(),
    };
  }

  /** What the fleet sweeps' steps find (a test sets it before starting a sweep). */
  fleet: { health: HealthSweepReport; drift: DriftScan } = {
    health: { sweepId: '', checked: 0, healthy: 0, failing: 0, alreadyChecked: 0, changes: 0 },
    drift: { findings: [], resolved: [], truncated: false, counts: { servers: 0, records: 0, instances: 0, open: 0 } },
  };

  /** The sweeps' and alerts' activities; calls without an instance are recorded under FLEET. */
  private fleetActivities(): Pick<StubbedActivities, keyof FleetActivities> {
    const record = async <R>(name: ActivityName, instanceId: string | undefined, input: unknown, answer: () => R): Promise<R> => {
      const call = await this.enter(name, instanceId ?? FLEET, input);
      call.result = answer();
      return call.result as R;
    };
    return {
      checkFleetHealth: (input) => record('checkFleetHealth', undefined, input, () => ({ ...this.fleet.health, sweepId: input.sweepId })),
      deliverHealthChanges: () => record('deliverHealthChanges', undefined, {}, () => ({ delivered: 0 })),
      findDrift: (input) => record('findDrift', undefined, input, () => this.fleet.drift),
      repairDnsRecord: (finding) => record('repairDnsRecord', finding.instanceId, finding, () => `repaired ${finding.key}`),
      deleteOrphan: (finding) => record('deleteOrphan', finding.instanceId, finding, () => `deleted ${finding.key}`),
      deliverAlert: (alert) => record('deliverAlert', alert.instanceId, alert, () => `posted ${alert.key}`),
    };
  }
}

/** The stub-call bucket of fleet-wide activities (no instance). */
export const FLEET = 'fleet';

export interface StartOptions {
  plan?: string;
  timings?: Partial<OperationTimings>;
  continueAsNewAfterOperations?: number;
  billing?: InstanceWorkflowInput['billing'];
}

/** One `instance-<uuid>` entity workflow and what its stubs saw. */
export class TestInstance {
  readonly handle: WorkflowHandle;
  private seq = 1;

  constructor(
    readonly harness: Harness,
    readonly spec: InstanceSpec,
    readonly provision: OperationRequest,
  ) {
    this.handle = harness.client.workflow.getHandle(instanceWorkflowId(spec.instanceId));
  }

  get id(): string {
    return this.spec.instanceId;
  }

  /** Signal `requestOperation` as the API does (next seq, fresh operation id); answers the request sent. */
  async request(type: OperationType, args: OperationArgs = {}, extra: Partial<OperationRequest> = {}): Promise<OperationRequest> {
    const request: OperationRequest = { operationId: randomUUID(), type, seq: (this.seq += 1), args, requestedBy: 'test', ...extra };
    await this.handle.signal(requestOperationSignal, request);
    return request;
  }

  /** The VPS's callback, delivered like the API's ready route: to `instance-<id>/provision-1`. */
  async ready(payload: ReadyPayload = { openclawVersion: '1.2.3', gatewayPort: 18789 }): Promise<void> {
    await eventually(
      async () => {
        try {
          await this.harness.client.workflow.getHandle(provisionWorkflowId(this.id)).signal(readySignal, payload);
          return true;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return undefined; // the child is not started yet
          throw error;
        }
      },
      `provision of ${this.id} to take the ready signal`,
    );
  }

  retry = () => this.handle.signal(retrySignal, { operator: 'test', reason: 'fixed' });
  skip = () => this.handle.signal(skipSignal, { operator: 'test' });
  abort = () => this.handle.signal(abortSignal, { operator: 'test' });

  state(): Promise<InstanceStateView> {
    return this.handle.query(stateQuery);
  }

  untilState(check: (state: InstanceStateView) => boolean, what: string): Promise<InstanceStateView> {
    return eventually(async () => {
      const state = await this.state();
      return check(state) ? state : undefined;
    }, `${what} (instance ${this.id})`);
  }

  /** Until the instance is `status` with no operation running and nothing queued. */
  untilSettled(status: InstanceStateView['status']): Promise<InstanceStateView> {
    return this.untilState((s) => s.status === status && s.current === undefined && s.queue.length === 0, `status ${status}, idle`);
  }

  /** The entity's result (it completes once terminated). */
  async result(): Promise<InstanceStateView> {
    return (await this.handle.result()) as InstanceStateView;
  }

  /** Every stub call for this instance, failed attempts included. */
  calls(): StubCall[] {
    return this.harness.stubs.of(this.id).calls;
  }

  /** The SSH-key and firewall steps, in order. */
  accessCalls(): ActivityName[] {
    return this.calls()
      .map((c) => c.activity)
      .filter((a) => ACCESS_ACTIVITIES.includes(a));
  }

  /** The provider activities called, in order (Hetzner and DNS; one at a time by design). */
  providerCalls(): ActivityName[] {
    return this.calls()
      .filter((c) => PROVIDER_ACTIVITIES.includes(c.activity))
      .map((c) => c.activity);
  }

  emails(): string[] {
    return this.calls()
      .filter((c) => c.activity === 'sendEmail' && c.outcome === 'ok')
      .map((c) => String(c.input.kind));
  }

  billing(): string[] {
    return this.calls()
      .filter((c) => c.activity === 'notifyBilling' && c.outcome === 'ok')
      .map((c) => String(c.input.event));
  }

  /** What the entity asked the read model to write, in order. */
  records(): TransitionRecord[] {
    return this.calls()
      .filter((c) => c.activity === 'recordTransition' && c.outcome === 'ok')
      .map((c) => c.input as TransitionRecord);
  }

  /** Every status the read model was told for one operation, in order. */
  statuses(op: Pick<OperationRequest, 'operationId'>): OperationStatus[] {
    return this.records().flatMap((r) => (r.operations ?? []).filter((o) => o.request.operationId === op.operationId).map((o) => o.status));
  }

  /** The operation's last recorded status and error. */
  recorded(op: Pick<OperationRequest, 'operationId'>): { status: OperationStatus; error?: string } | undefined {
    const ops = this.records().flatMap((r) => (r.operations ?? []).filter((o) => o.request.operationId === op.operationId));
    const last = ops.at(-1);
    return last && { status: last.status, ...(last.error !== undefined ? { error: last.error } : {}) };
  }

  /** Until the operation has a final status in the records and the entity has moved past it (from
   * revision 5 the child's last activity writes the success, a moment before the entity hears of
   * it); answers the status (and its error). */
  async untilDone(op: Pick<OperationRequest, 'operationId' | 'type'>): Promise<{ status: OperationStatus; error?: string }> {
    const done = await eventually(async () => {
      const last = this.recorded(op);
      return last && isFinalOperationStatus(last.status) ? last : undefined;
    }, `${op.type} ${op.operationId} to finish (instance ${this.id})`);
    await this.untilState((s) => s.current?.operationId !== op.operationId, `the entity past ${op.type} ${op.operationId}`);
    return done;
  }

  /** Event kinds the entity recorded (operation.started, instance.attention, operator.skip…). */
  events(): string[] {
    return this.records().map((r) => r.event.kind);
  }
}

export interface Harness {
  client: Client;
  taskQueue: string;
  stubs: Stubs;
  /** Start an entity with its provision request, as the API does (signalWithStart). */
  start(options?: StartOptions): Promise<TestInstance>;
  /** Start, call back ready, and wait until the instance is running. */
  running(options?: StartOptions): Promise<TestInstance>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

// A branch takes well under a second; a broken one should fail fast, not after jest's minute.
jest.setTimeout(20_000);

export async function startHarness(topic: string): Promise<Harness> {
  if (!runtimeInstalled) {
    // Stub faults make the worker warn about every failed attempt: keep the output readable.
    Runtime.install({ logger: new DefaultLogger(process.env.HOSTFLOW_TEST_VERBOSE ? 'INFO' : 'ERROR') });
    runtimeInstalled = true;
  }
  const address = env('HOSTFLOW_TEST_TEMPORAL_ADDRESS');
  const namespace = env('HOSTFLOW_TEST_NAMESPACE');
  const taskQueue = `hostflow-wf-${topic}-${randomUUID()}`;
  const stubs = new Stubs();
  // Encrypted like the rest of the suite when PAYLOAD_ENCRYPTION_KEYS is set for the run.
  const dataConverter = dataConverterFromEnv(process.env);
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue,
    activities: stubs.activities(),
    // As workers/worker.ts: a revision-4 child's first activity writes "operation started" first.
    interceptors: { activity: [recordFirstInterceptor(stubs)] },
    dataConverter,
    workflowBundle: { codePath: env('HOSTFLOW_TEST_WORKFLOW_BUNDLE') },
    stickyQueueScheduleToStartTimeout: '1s',
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, dataConverter });

  const harness: Harness = {
    client,
    taskQueue,
    stubs,
    async start(options = {}) {
      const instanceId = randomUUID();
      const spec: InstanceSpec = {
        instanceId,
        customerId: '42',
        serviceId: String(Math.floor(Math.random() * 1e9)),
        plan: options.plan ?? 'starter',
        region: 'eu-frankfurt',
        subdomain: `wf-${instanceId.slice(0, 8)}`,
        sshKeys: [],
      };
      const input: InstanceWorkflowInput = {
        instance: spec,
        timings: { ...FAST_TIMINGS, ...options.timings },
        ...(options.continueAsNewAfterOperations !== undefined ? { continueAsNewAfterOperations: options.continueAsNewAfterOperations } : {}),
        ...(options.billing ? { billing: options.billing } : {}),
      };
      const provision: OperationRequest = { operationId: randomUUID(), type: 'provision', seq: 1, args: {}, requestedBy: 'test' };
      await client.workflow.signalWithStart(INSTANCE_WORKFLOW_TYPE, {
        workflowId: instanceWorkflowId(instanceId),
        taskQueue,
        args: [input],
        signal: requestOperationSignal,
        signalArgs: [provision],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: instanceSearchAttributes(spec, 'provisioning', 'provision'),
      });
      return new TestInstance(harness, spec, provision);
    },
    async running(options = {}) {
      const instance = await harness.start(options);
      await instance.ready();
      await instance.untilSettled('running');
      await instance.untilDone(instance.provision);
      return instance;
    },
    async close() {
      stubs.releaseAll();
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
  return harness;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through jest, whose global setup starts Temporal and bundles the workflows`);
  return value;
}

/** Poll until `check` answers a value, or fail with what was last seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
