// suspend, unsuspend, resize and reboot: the operations on an existing server.
// Each is a child workflow of the instance, so the Web UI shows every step of each one.
import { setCurrentDetails } from '@temporalio/workflow';
import type { OperationInput, OperationOutcome } from './domain';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { finishWithNotices, serverOf, start, stop } from './server-steps';

export async function suspendWorkflow(input: OperationInput): Promise<OperationOutcome> {
  setCurrentDetails(`Shutting down ${serverName(input.instance)}`);
  await stop(input, serverOf(input));
  return finishWithNotices(input, { status: 'suspended', resources: input.resources, plan: input.instance.plan }, 'suspended', 'instance.suspended');
}

export async function unsuspendWorkflow(input: OperationInput): Promise<OperationOutcome> {
  setCurrentDetails(`Powering on ${serverName(input.instance)}`);
  await start(input, serverOf(input));
  return finishWithNotices(input, { status: 'running', resources: input.resources, plan: input.instance.plan }, 'unsuspended', 'instance.unsuspended');
}

export async function resizeWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance } = input;
  const { shortCall, longWait } = operationActivities(input);
  const target = input.operation.args.plan ?? instance.plan;
  const serverId = serverOf(input);
  // Refuse before stopping anything: a disk cannot shrink, and that is the customer's call, not a retry.
  const check = await shortCall.checkResize.executeWithOptions({ summary: `check resize ${serverName(instance)} to ${target}` }, [{ instance, serverId, plan: target }]);
  if (!check.alreadyThere) {
    const wasRunning = input.fromStatus === 'running';
    if (wasRunning) {
      setCurrentDetails(`Stopping ${serverName(instance)} to change its type`);
      await stop(input, serverId);
    }
    setCurrentDetails(`Changing ${serverName(instance)} to ${check.serverType} (disk kept)`);
    await longWait.changeServerType.executeWithOptions({ summary: `change type to ${check.serverType}, keep disk` }, [{ instance, serverId, serverType: check.serverType }]);
    if (wasRunning) {
      setCurrentDetails(`Powering ${serverName(instance)} back on`);
      await start(input, serverId);
    }
  }
  const outcome: OperationOutcome = {
    status: input.fromStatus,
    resources: { ...input.resources, serverType: check.serverType },
    plan: target,
    ...(check.alreadyThere ? { noop: `server is already ${check.serverType}` } : {}),
  };
  return finishWithNotices(input, outcome, undefined, 'instance.resized');
}

export async function rebootWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance } = input;
  const { longWait } = operationActivities(input);
  setCurrentDetails(`Rebooting ${serverName(instance)}`);
  const grace = input.timings.rebootGraceMs;
  await longWait.rebootServer.executeWithOptions({ summary: `reboot ${serverName(instance)} (reset after ${Math.round(grace / 1000)} s)` }, [
    { instance, serverId: serverOf(input), softTimeoutMs: grace },
  ]);
  return finishWithNotices(input, { status: 'running', resources: input.resources, plan: instance.plan }, undefined, 'instance.rebooted');
}
