// suspend, unsuspend, resize and reboot: the operations on an existing server.
// Each is a child workflow of the instance, so the Web UI shows every step of each one.
import { setCurrentDetails } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { OperationInput, OperationOutcome } from './domain';
import { togetherFromRevision2 } from './revisions';
import { serverLabel } from './summaries';

function serverOf(input: OperationInput): number {
  // The entity only runs these on an instance that has a server; activities refuse clearly if not.
  return input.resources.serverId ?? -1;
}

async function tellCustomerAndBilling(input: OperationInput, email: 'suspended' | 'unsuspended' | undefined, event: string, status: string): Promise<void> {
  const { instance, operation } = input;
  const { notify } = activitiesFor(input.timings);
  const sendEmail = () => notify.sendEmail.executeWithOptions({ summary: `send ${email} e-mail` }, [{ instanceId: instance.instanceId, operationId: operation.operationId, kind: email! }]);
  const notifyBilling = () =>
    notify.notifyBilling.executeWithOptions({ summary: `notify billing: ${event}` }, [
      { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event, status },
    ]);
  await togetherFromRevision2(input, email ? [sendEmail, notifyBilling] : [notifyBilling]);
}

function stop(input: OperationInput, serverId: number) {
  const { instance } = input;
  const graceMs = input.timings.shutdownGraceMs;
  return activitiesFor(input.timings).waits.stopServer.executeWithOptions({ summary: `shut down ${serverLabel(instance)} (power off after ${Math.round(graceMs / 1000)} s)` }, [
    { instance, serverId, gracefulTimeoutMs: graceMs },
  ]);
}

function start(input: OperationInput, serverId: number) {
  const { instance } = input;
  return activitiesFor(input.timings).waits.startServer.executeWithOptions({ summary: `power on ${serverLabel(instance)}` }, [{ instance, serverId }]);
}

export async function suspendWorkflow(input: OperationInput): Promise<OperationOutcome> {
  setCurrentDetails(`Shutting down ${serverLabel(input.instance)}`);
  await stop(input, serverOf(input));
  await tellCustomerAndBilling(input, 'suspended', 'instance.suspended', 'suspended');
  return { status: 'suspended', resources: input.resources, plan: input.instance.plan };
}

export async function unsuspendWorkflow(input: OperationInput): Promise<OperationOutcome> {
  setCurrentDetails(`Powering on ${serverLabel(input.instance)}`);
  await start(input, serverOf(input));
  await tellCustomerAndBilling(input, 'unsuspended', 'instance.unsuspended', 'running');
  return { status: 'running', resources: input.resources, plan: input.instance.plan };
}

export async function resizeWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance } = input;
  const { provider, waits } = activitiesFor(input.timings);
  const target = input.operation.args.plan ?? instance.plan;
  const serverId = serverOf(input);
  // Refuse before stopping anything: a disk cannot shrink, and that is the customer's call, not a retry.
  const check = await provider.checkResize.executeWithOptions({ summary: `check resize ${serverLabel(instance)} to ${target}` }, [{ instance, serverId, plan: target }]);
  if (!check.alreadyThere) {
    const wasRunning = input.fromStatus === 'running';
    if (wasRunning) {
      setCurrentDetails(`Stopping ${serverLabel(instance)} to change its type`);
      await stop(input, serverId);
    }
    setCurrentDetails(`Changing ${serverLabel(instance)} to ${check.serverType} (disk kept)`);
    await waits.changeServerType.executeWithOptions({ summary: `change type to ${check.serverType}, keep disk` }, [{ instance, serverId, serverType: check.serverType }]);
    if (wasRunning) {
      setCurrentDetails(`Powering ${serverLabel(instance)} back on`);
      await start(input, serverId);
    }
  }
  await tellCustomerAndBilling(input, undefined, 'instance.resized', input.fromStatus);
  return {
    status: input.fromStatus,
    resources: { ...input.resources, serverType: check.serverType },
    plan: target,
    noop: check.alreadyThere ? `server is already ${check.serverType}` : undefined,
  };
}

export async function rebootWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance } = input;
  const { waits } = activitiesFor(input.timings);
  setCurrentDetails(`Rebooting ${serverLabel(instance)}`);
  const grace = input.timings.rebootGraceMs;
  await waits.rebootServer.executeWithOptions({ summary: `reboot ${serverLabel(instance)} (reset after ${Math.round(grace / 1000)} s)` }, [
    { instance, serverId: serverOf(input), softTimeoutMs: grace },
  ]);
  await tellCustomerAndBilling(input, undefined, 'instance.rebooted', 'running');
  return { status: 'running', resources: input.resources, plan: instance.plan };
}
