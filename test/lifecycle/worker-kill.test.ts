// The real worker process is SIGKILLed in the middle of each of the six operations of one
// instance, and a new one started: every operation still finishes with exactly one server, one
// DNS record, one e-mail of its kind and one provider action of each step. Slow sandbox actions
// (and, for provision, a held answer) open the window the kill lands in. Every activity heartbeats
// while it runs (activities/keep-alive.ts), so each kill is noticed by the 5 s heartbeat timeout,
// never a start-to-close timeout, and one instance is enough.
import { decodeTimeoutType } from '@temporalio/common';
import { operationWorkflowId } from '../../workflows/ids';
import type { OperationType } from '../../workflows/statuses';
import { billingEvents, createInstance, requestOperation, untilOperationDone, untilStatus, type Created, type OperationPath } from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { serverCensus, serversOf, type ServerCensus } from '../support/world';
import { workerProcesses, type WorkerProcess, type WorkerProcesses } from '../support/worker-process';

const ACTION_MS = 4_000;

let stack: Stack;
let workers: WorkerProcesses;
let census: ServerCensus | undefined;
beforeAll(async () => {
  stack = await startStack({ worker: false, sandbox: { actionDurationMs: ACTION_MS, shutdownDelayMs: ACTION_MS, bootDelayMs: 50 } });
  workers = workerProcesses(stack);
});
afterAll(async () => {
  census?.stop();
  await workers?.killAll();
  await stack?.close();
});

interface Recovery {
  operation: OperationType;
  killedIn: string;
  /** Restart → the new worker polls (it bundles the workflow code as it starts). */
  workerStartMs: number;
  /** Restart → the operation is `succeeded` in the read model. */
  recoveryMs: number;
}
const recoveries: Recovery[] = [];
afterAll(() => {
  if (recoveries.length === 0) return;
  const rows = recoveries.map((r) => `${r.operation.padEnd(10)} ${r.killedIn.padEnd(22)} worker up ${(r.workerStartMs / 1000).toFixed(1)} s, done ${(r.recoveryMs / 1000).toFixed(1)} s after restart`);
  console.log(`recovery after SIGKILL (restart → operation succeeded):\n${rows.join('\n')}`);
});

/** Hetzner actions run on the instance's server so far, by command. */
function actionsOn(serverId: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const action of stack.sandbox.state().actions) {
    if ((action['resources'] as { id: number; type: string }[]).some((r) => r.type === 'server' && r.id === serverId)) {
      const command = String(action['command']);
      counts[command] = (counts[command] ?? 0) + 1;
    }
  }
  return counts;
}

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  state?: unknown;
  heartbeatDetails?: { payloads?: unknown[] | null } | null;
}

/**
 * Wait until `activity` of the operation's child workflow is held by a worker (and, for a
 * heartbeating one, its progress has reached Temporal) and the sandbox shows the step under way.
 */
async function untilMidFlight(workflowId: string, activity: string, heartbeated: boolean, inSandbox: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { raw } = await stack.client.workflow.getHandle(workflowId).describe();
      const pending = (raw.pendingActivities ?? []) as PendingActivity[];
      // state 2 = PENDING_ACTIVITY_STATE_STARTED: a worker holds it.
      const held = pending.find((a) => a.activityType?.name === activity && Number(a.state) === 2);
      if (held && (!heartbeated || (held.heartbeatDetails?.payloads?.length ?? 0) > 0) && inSandbox()) return;
    } catch {
      // the child may not exist yet
    }
    if (Date.now() > deadline) throw new Error(`${activity} of ${workflowId} was never seen mid-flight`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const runningAction = (serverId: number, command: string) => () =>
  stack.sandbox.state().actions.some((a) => a['command'] === command && a['status'] === 'running' && (a['resources'] as { id: number }[]).some((r) => r.id === serverId));

let worker: WorkerProcess;

/** Why each retried attempt of `activity` in the workflow was retried (timeout types of the failures). */
async function retriedAfter(workflowId: string, activity: string): Promise<string[]> {
  const { events } = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const reasons: string[] = [];
  for (const [i, event] of (events ?? []).entries()) {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) scheduled.set(String(event.eventId ?? i + 1), name);
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === activity && (started.attempt ?? 1) > 1) {
      const timeout = decodeTimeoutType(started.lastFailure?.timeoutFailureInfo?.timeoutType);
      reasons.push(timeout ?? String(started.lastFailure?.message));
    }
  }
  return reasons;
}

/** Kill the worker once the operation is mid-flight, start another, and time the recovery. */
async function killAndRecover(created: Created, operation: { id: string; type: OperationType; seq: number }, activity: string, heartbeated: boolean, inSandbox: () => boolean, afterKill?: () => void) {
  await untilMidFlight(operationWorkflowId(created.id, operation.type, operation.seq), activity, heartbeated, inSandbox);
  await workers.kill(worker);
  afterKill?.();
  const restartedAt = Date.now();
  worker = await workers.start();
  const done = await untilOperationDone(stack, created.id, operation.id, 120_000);
  recoveries.push({ operation: operation.type, killedIn: activity, workerStartMs: worker.pollingAt - restartedAt, recoveryMs: Date.now() - restartedAt });
  expect([operation.type, done.status, done.error]).toEqual([operation.type, 'succeeded', null]);
}

async function request(created: Created, op: OperationPath, body?: Record<string, unknown>) {
  const operation = await requestOperation(stack, created.id, op, body);
  return { id: operation.id, type: op as OperationType, seq: operation.seq };
}

const mails = (created: Created) => stack.sandbox.state().messages.filter((m) => m.to.includes(created.email));

describe('a worker killed with SIGKILL in the middle of each operation', () => {
  it('is replaced, and every operation finishes exactly once', async () => {
    worker = await workers.start();
    census = serverCensus(stack.sandbox);

    // provision: killed inside createServer after Hetzner created the server but before the answer
    // arrived (the answer is held), so the retry must find that server, not make another.
    stack.sandbox.setFaults([{ route: 'POST /v1/servers', answerDelayMs: 60_000 }]);
    const created = await createInstance(stack);
    const hasServer = () => serversOf(stack.sandbox, created.id).length > 0;
    await killAndRecover(created, { id: created.provisionId, type: 'provision', seq: 1 }, 'createServer', false, hasServer, () => stack.sandbox.setFaults([]));
    // Even a single provider call is retried because its heartbeats stopped, not after 30 s.
    expect(await retriedAfter(operationWorkflowId(created.id, 'provision', 1), 'createServer')).toEqual(['HEARTBEAT']);
    const [server, ...more] = serversOf(stack.sandbox, created.id);
    expect(more).toEqual([]);
    const serverId = server!.id;
    await untilStatus(stack, created.id, 'running');
    expect(stack.sandbox.state().dns_records.filter((r) => r['name'] === created.fqdn)).toHaveLength(1);
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 1 });

    // suspend: killed while waiting for the guest to shut down after the ACPI request.
    await killAndRecover(created, await request(created, 'suspend'), 'stopServer', true, () => actionsOn(serverId)['shutdown_server'] === 1);
    await untilStatus(stack, created.id, 'suspended');
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 1, shutdown_server: 1 });

    // unsuspend: killed while the power-on action runs.
    await killAndRecover(created, await request(created, 'unsuspend'), 'startServer', true, runningAction(serverId, 'start_server'));
    await untilStatus(stack, created.id, 'running');
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 2, shutdown_server: 1 });

    // resize: killed while the type change runs (the server was shut down for it first).
    await killAndRecover(created, await request(created, 'resize', { plan: 'professional' }), 'changeServerType', true, runningAction(serverId, 'change_server_type'));
    await untilStatus(stack, created.id, 'running');
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 3, shutdown_server: 2, change_server_type: 1 });
    expect(serversOf(stack.sandbox, created.id)).toEqual([expect.objectContaining({ status: 'running', server_type: expect.objectContaining({ name: 'cpx32' }) })]);

    // reboot: killed while the soft reboot runs; no second reboot, no hard reset.
    await killAndRecover(created, await request(created, 'reboot'), 'rebootServer', true, runningAction(serverId, 'reboot_server'));
    await untilStatus(stack, created.id, 'running');
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 3, shutdown_server: 2, change_server_type: 1, reboot_server: 1 });

    // terminate: killed while Hetzner deletes the server.
    await killAndRecover(created, await request(created, 'terminate'), 'deleteServer', true, runningAction(serverId, 'delete_server'));
    await untilStatus(stack, created.id, 'terminated');
    expect(actionsOn(serverId)).toEqual({ create_server: 1, start_server: 3, shutdown_server: 2, change_server_type: 1, reboot_server: 1, delete_server: 1 });
    census.stop();

    // Exactly once, end to end: one server ever, nothing left, one e-mail and one webhook per step.
    expect([...census.seen(created.id)]).toEqual([serverId]);
    expect(serversOf(stack.sandbox, created.id)).toEqual([]);
    expect(stack.sandbox.state().dns_records.filter((r) => r['name'] === created.fqdn)).toEqual([]);
    const sent = mails(created);
    expect(sent.map((m) => m.subject)).toEqual([
      expect.stringMatching(/is ready$/),
      expect.stringMatching(/is suspended$/),
      expect.stringMatching(/is back online$/),
      expect.stringMatching(/has been removed$/),
    ]);
    expect(new Set(sent.map((m) => m.headers['message-id'])).size).toBe(4);
    expect(billingEvents(stack, created.id)).toEqual([
      'instance.provisioned',
      'instance.suspended',
      'instance.unsuspended',
      'instance.resized',
      'instance.rebooted',
      'instance.terminated',
    ]);
    expect(recoveries.map((r) => r.operation)).toEqual(['provision', 'suspend', 'unsuspend', 'resize', 'reboot', 'terminate']);
  }, 600_000);
});
