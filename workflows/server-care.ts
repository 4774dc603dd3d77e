// rebuild, reset_password, snapshot and delete_snapshot: what a hosting panel offers on an
// existing server. The root password Hetzner answers with is e-mailed from inside its activity and
// never reaches a workflow history; the history only says it was sent.
import { setCurrentDetails } from '@temporalio/workflow';
import type { OperationInput, OperationOutcome } from './domain';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { minutes } from './summaries';
import { finishWithNotices, serverOf, start, stop } from './server-steps';
import { listenForVm } from './vm-callback';

const unchanged = (input: OperationInput): OperationOutcome => ({ status: input.fromStatus, resources: input.resources, plan: input.instance.plan });

/** Reinstall from a catalog image or one of the instance's snapshots; same server, IP and DNS. */
export async function rebuildWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance, operation } = input;
  const { dbWrite, longWait } = operationActivities(input);
  const vm = listenForVm();
  const serverId = serverOf(input);
  const image = operation.args.snapshotId !== undefined ? String(operation.args.snapshotId) : (operation.args.image ?? '');
  // The reinstalled VPS runs cloud-init again and calls back with the same single-use token.
  await dbWrite.armReadyCallback.executeWithOptions({ summary: 'accept one more ready callback' }, [{ instanceId: instance.instanceId }]);
  setCurrentDetails(`Rebuilding ${serverName(instance)} from ${image}`);
  await longWait.rebuildServer.executeWithOptions({ summary: `rebuild ${serverName(instance)} from ${image}` }, [{ instance, serverId, image, operationId: operation.operationId }]);
  if (input.fromStatus === 'running') {
    const timeout = input.timings.readyTimeoutMs;
    setCurrentDetails(`Waiting for the rebuilt VPS to call back ready (up to ${minutes(timeout)})`);
    await vm.wait(timeout, `Rebuilt server ${serverId}`);
  } else {
    // A suspended instance stays off: Hetzner starts the server to rebuild it.
    await stop(input, serverId);
  }
  return finishWithNotices(input, unchanged(input), undefined, 'instance.rebuilt');
}

/** Hetzner resets the password through the running guest, so a suspended server is started for
 * it and shut down again: the instance stays suspended. */
export async function resetPasswordWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance, operation } = input;
  const serverId = serverOf(input);
  const suspended = input.fromStatus === 'suspended';
  if (suspended) await start(input, serverId);
  setCurrentDetails(`Resetting the root password of ${serverName(instance)}`);
  await operationActivities(input).longWait.resetRootPassword.executeWithOptions({ summary: 'reset root password; e-mailed to the customer' }, [
    { instance, serverId, operationId: operation.operationId },
  ]);
  if (suspended) await stop(input, serverId);
  return unchanged(input);
}

/** A snapshot on demand; the oldest beyond the instance's retention count are deleted. */
export async function snapshotWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance, operation } = input;
  setCurrentDetails(`Taking a snapshot of ${serverName(instance)}`);
  const { snapshots } = await operationActivities(input).longWait.takeSnapshot.executeWithOptions({ summary: `snapshot ${serverName(instance)}` }, [
    { instance, serverId: serverOf(input), operationId: operation.operationId, ...(operation.args.description ? { description: operation.args.description } : {}) },
  ]);
  return { ...unchanged(input), snapshots };
}

export async function deleteSnapshotWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance, operation } = input;
  const imageId = operation.args.snapshotId!;
  const { snapshots } = await operationActivities(input).shortCall.deleteSnapshot.executeWithOptions({ summary: `delete snapshot ${imageId}` }, [{ instance, imageId }]);
  return { ...unchanged(input), snapshots };
}
