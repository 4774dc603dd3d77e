// Power activities: stop, start, reboot, resize and snapshot the instance's server. Each can run
// twice, or die after Hetzner acted and before it answered, and still leave the server in the
// state asked for: a retry resumes the action its previous attempt heartbeated (hetzner-waits.ts).
// They talk to Hetzner only; the workflow records what changed (records.ts).
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSpec } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import type { ActivityDeps } from './deps';
import { callProvider, operationRefused } from './errors';
import type { HetznerServer } from './hetzner-client';
import { powerOnce, waitForAction, waitForStatus, type HetznerWaitDeps, type SnapshotProgress, type WaitProgress } from './hetzner-waits';
import { heartbeat, previousHeartbeat } from './keep-alive';
import { serverTypeOf } from './servers';

export type PowerDeps = HetznerWaitDeps & Pick<ActivityDeps, 'catalog'>;

interface ServerInput {
  instance: InstanceSpec;
  serverId: number;
}

/** Each activity is a plain function of (deps, input); the factory binds the deps. */
export function createPowerActivities(deps: PowerDeps) {
  return {
    stopServer: stopServer.bind(null, deps),
    startServer: startServer.bind(null, deps),
    rebootServer: rebootServer.bind(null, deps),
    checkResize: checkResize.bind(null, deps),
    changeServerType: changeServerType.bind(null, deps),
    snapshotServer: snapshotServer.bind(null, deps),
  };
}

/** Graceful ACPI shutdown; a hard power-off if the guest has not stopped in time. */
async function stopServer(deps: PowerDeps, input: ServerInput & { gracefulTimeoutMs: number }): Promise<'already off' | 'shut down' | 'powered off'> {
  const what = `stop server ${input.serverId} of instance ${input.instance.instanceId}`;
  const server = await requireServer(deps, input.instance, input.serverId);
  if (server.status === 'off') return 'already off';
  const previous = previousHeartbeat<WaitProgress>();
  if (previous?.step !== 'poweroff') {
    const shutdown = await powerOnce(deps, what, server.id, 'shutdown');
    // The grace period counts from the first attempt's shutdown, not from this retry.
    const left = input.gracefulTimeoutMs - (Date.now() - shutdown.startedAt);
    if (await waitForStatus(deps, what, server.id, 'off', shutdown, Math.max(left, 0))) return 'shut down';
  }
  const poweroff = await powerOnce(deps, `${what} (hard power-off: the guest ignored the shutdown)`, server.id, 'poweroff');
  await waitForAction(deps, what, poweroff.actionId!, poweroff);
  await waitForStatus(deps, what, server.id, 'off', poweroff);
  return 'powered off';
}

async function startServer(deps: PowerDeps, input: ServerInput): Promise<'already running' | 'started'> {
  const what = `power on server ${input.serverId} of instance ${input.instance.instanceId}`;
  const server = await requireServer(deps, input.instance, input.serverId);
  if (server.status === 'running') return 'already running';
  let progress: WaitProgress | undefined;
  if (server.status !== 'starting') {
    progress = await powerOnce(deps, what, server.id, 'poweron');
    await waitForAction(deps, what, progress.actionId!, progress);
  }
  await waitForStatus(deps, what, server.id, 'running', progress);
  return 'started';
}

/**
 * Soft reboot; a hard reset if the server is not running again in time. A server that is off is
 * powered on instead: Hetzner's reboot is an ACPI request the guest must answer, and an off server
 * has no guest to answer it (a drift repair queues a reboot for a server found off).
 */
async function rebootServer(deps: PowerDeps, input: ServerInput & { softTimeoutMs: number }): Promise<'rebooted' | 'reset' | 'powered on'> {
  const what = `reboot server ${input.serverId} of instance ${input.instance.instanceId}`;
  const server = await requireServer(deps, input.instance, input.serverId);
  const previous = previousHeartbeat<WaitProgress>();
  if (server.status === 'off' || previous?.step === 'poweron') {
    await startServer(deps, input);
    return 'powered on';
  }
  if (previous?.step !== 'reset') {
    const reboot = await powerOnce(deps, what, server.id, 'reboot');
    await waitForAction(deps, what, reboot.actionId!, reboot);
    const left = input.softTimeoutMs - (Date.now() - reboot.startedAt);
    if (await waitForStatus(deps, what, server.id, 'running', reboot, Math.max(left, 0))) return 'rebooted';
  }
  const reset = await powerOnce(deps, `${what} (hard reset: the soft reboot did not finish in time)`, server.id, 'reset');
  await waitForAction(deps, what, reset.actionId!, reset);
  await waitForStatus(deps, what, server.id, 'running', reset);
  return 'reset';
}

/** Refuse, before anything is stopped, a resize Hetzner could not do. */
async function checkResize(deps: PowerDeps, input: ServerInput & { plan: string }): Promise<{ serverType: string; alreadyThere: boolean }> {
  const serverType = serverTypeOf(deps.catalog, input.plan);
  if (!serverType) throw operationRefused(`Plan ${input.plan} is not in the catalog.`);
  const server = await requireServer(deps, input.instance, input.serverId);
  if (server.serverType === serverType) return { serverType, alreadyThere: true };
  const disk = await callProvider(`read server type ${serverType}`, () => deps.hetzner.serverTypeDisk(serverType));
  if (disk < server.primaryDiskSize) {
    throw operationRefused(
      `Cannot resize instance ${input.instance.instanceId} to ${input.plan} (${serverType}, ${disk} GB disk): the server's disk is ${server.primaryDiskSize} GB and Hetzner cannot shrink a disk. Choose a plan with at least ${server.primaryDiskSize} GB.`,
    );
  }
  return { serverType, alreadyThere: false };
}

async function changeServerType(deps: PowerDeps, input: ServerInput & { serverType: string }): Promise<void> {
  const what = `change server ${input.serverId} of instance ${input.instance.instanceId} to ${input.serverType}`;
  const server = await requireServer(deps, input.instance, input.serverId);
  if (server.serverType === input.serverType) return;
  const previous = previousHeartbeat<WaitProgress>();
  let actionId = previous?.step === 'change_type' ? previous.actionId : undefined;
  if (actionId === undefined) {
    if (server.status !== 'off') {
      // Hetzner answers server_not_stopped; a stop is racing us (or a person powered it on).
      throw ApplicationFailure.create({ type: `Hetzner.server_not_stopped`, message: `${what}: the server is ${server.status}, not off` });
    }
    actionId = await callProvider(what, () => deps.hetzner.changeType(server.id, input.serverType));
    heartbeat({ step: 'change_type', actionId, startedAt: Date.now() });
  }
  await waitForAction(deps, what, actionId, { step: 'change_type', actionId, startedAt: previous?.startedAt ?? Date.now() });
}

async function snapshotServer(deps: PowerDeps, input: ServerInput & { operationId: string }): Promise<{ imageId: number }> {
  const what = `snapshot server ${input.serverId} of instance ${input.instance.instanceId}`;
  const server = await requireServer(deps, input.instance, input.serverId);
  const previous = previousHeartbeat<SnapshotProgress>();
  if (previous?.step === 'create_image' && previous.actionId !== undefined) {
    await waitForAction(deps, what, previous.actionId, previous);
    return { imageId: previous.imageId };
  }
  // The description names the operation, so a create_image whose answer was lost is found
  // again instead of taking a second (billed) snapshot.
  const description = `hostflow ${input.instance.subdomain} before terminate (${input.operationId})`;
  const existing = await callProvider(what, () => deps.hetzner.findSnapshot(server.id, description));
  if (existing) {
    const action = (await callProvider(what, () => deps.hetzner.listServerActions(server.id))).find((a) => a.command === 'create_image' && a.status === 'running');
    if (action) await waitForAction(deps, what, action.id, { step: 'create_image', actionId: action.id, imageId: existing.id, startedAt: Date.now() });
    return { imageId: existing.id };
  }
  const created = await callProvider(what, () => deps.hetzner.createSnapshot(server.id, description));
  const progress: SnapshotProgress = { step: 'create_image', actionId: created.actionId, imageId: created.imageId, startedAt: Date.now() };
  heartbeat(progress);
  await waitForAction(deps, what, created.actionId, progress);
  return { imageId: created.imageId };
}

/** The instance's server, or a non-retryable failure telling the operator it is gone. */
async function requireServer(deps: PowerDeps, instance: InstanceSpec, serverId: number | undefined): Promise<HetznerServer> {
  const server = serverId === undefined ? undefined : await callProvider(`read server ${serverId}`, () => deps.hetzner.getServer(serverId));
  if (!server) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      nonRetryable: true,
      message: `Instance ${instance.instanceId} (${instance.subdomain}) has no server at Hetzner (server id ${serverId ?? 'unknown'}). Check the Hetzner console; "skip" leaves the instance as it was, "abort" terminates it.`,
    });
  }
  return server;
}
