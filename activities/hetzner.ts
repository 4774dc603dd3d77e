// Server activities. Each can run twice, or die after Hetzner acted and before it answered,
// and still leave exactly one server in the state asked for: every one looks before it acts,
// and waits resume from the heartbeat of the attempt that died.
import { ApplicationFailure } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import type { InstanceSpec, Resources } from '../workflows/domain';
import { callbackToken } from '../config/callback-token';
import { instances } from '../schema/tables';
import { GATEWAY_PORT, renderCloudInit } from './cloud-init';
import type { ActivityDeps } from './deps';
import { FailureType } from '../workflows/failure-types';
import { classify, operationRefused, ProviderError } from './errors';
import type { HetznerClient, HetznerServer, PowerCommand } from './hetzner-client';
import { heartbeat, pollUntil, previousHeartbeat } from './poll';

export const INSTANCE_LABEL = 'hostflow-instance';
export const serverName = (instance: InstanceSpec): string => `hostflow-${instance.subdomain}`;

/** What a waiting activity heartbeats: the action it started and when, so a retry resumes it. */
interface WaitProgress {
  step: string;
  actionId?: number;
  startedAt: number;
}

interface SnapshotProgress extends WaitProgress {
  imageId: number;
}

export function createHetznerActivities(deps: ActivityDeps) {
  const { hetzner, db } = deps;
  const poll = deps.pollIntervalMs;

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classify(error, what);
    }
  }

  async function requireServer(instance: InstanceSpec, serverId: number | undefined): Promise<HetznerServer> {
    const server = serverId === undefined ? undefined : await call(`read server ${serverId}`, () => hetzner.getServer(serverId));
    if (!server) {
      throw ApplicationFailure.create({
        type: FailureType.InvalidInput,
        nonRetryable: true,
        message: `Instance ${instance.instanceId} (${instance.subdomain}) has no server at Hetzner (server id ${serverId ?? 'unknown'}). Check the Hetzner console; "skip" leaves the instance as it was, "abort" terminates it.`,
      });
    }
    return server;
  }

  // Every poll heartbeats the activity's progress (which action it started, and when), never a
  // description of the poll: a retry after a dead worker reads it back and resumes that action
  // instead of starting a second reboot, snapshot or type change.
  async function waitForAction(what: string, actionId: number, progress: WaitProgress | SnapshotProgress = { step: 'action', actionId, startedAt: Date.now() }): Promise<void> {
    const action = await pollUntil(
      async () => {
        const current = await call(what, () => hetzner.getAction(actionId));
        return current.status === 'running' ? undefined : current;
      },
      { intervalMs: poll, heartbeat: progress },
    );
    if (action?.status === 'error') {
      throw ApplicationFailure.create({
        type: FailureType.ActionFailed,
        nonRetryable: true,
        message: `${what}: Hetzner action ${actionId} (${action.command}) failed: ${action.error?.code ?? 'error'}: ${action.error?.message ?? 'no message'}`,
      });
    }
  }

  async function waitForStatus(what: string, serverId: number, status: HetznerServer['status'], progress: WaitProgress | undefined, timeoutMs?: number): Promise<boolean> {
    const reached = await pollUntil(
      async () => ((await call(what, () => hetzner.getServer(serverId)))?.status === status ? true : undefined),
      { intervalMs: poll, timeoutMs, heartbeat: progress ?? { step: 'wait', startedAt: Date.now() } },
    );
    return reached === true;
  }

  /** Start a power action unless a previous attempt of this activity already did (heartbeat). */
  async function powerOnce(what: string, serverId: number, command: PowerCommand): Promise<WaitProgress> {
    const previous = previousHeartbeat<WaitProgress>();
    if (previous?.step === command && previous.actionId !== undefined) return previous;
    const actionId = await call(what, () => hetzner.power(serverId, command));
    const progress = { step: command, actionId, startedAt: Date.now() };
    heartbeat(progress);
    return progress;
  }

  return {
    /** Create the instance's server, or find the one an earlier attempt created. */
    async createServer(input: { instance: InstanceSpec }): Promise<Resources & { createActionId?: number }> {
      const { instance } = input;
      const name = serverName(instance);
      const what = `create server ${name} for instance ${instance.instanceId}`;
      const selector = `${INSTANCE_LABEL}=${instance.instanceId}`;
      // Hetzner may have created the server and lost the answer: look it up by label before creating again.
      let server = await findOwnServer(hetzner, selector, what);
      let createActionId: number | undefined;
      if (!server) {
        const serverType = deps.catalog.serverTypes[instance.plan as keyof typeof deps.catalog.serverTypes];
        const location = deps.catalog.locations[instance.region as keyof typeof deps.catalog.locations];
        if (!serverType || !location) {
          throw ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `${what}: plan ${instance.plan} or region ${instance.region} is not in the catalog` });
        }
        const userData = renderCloudInit({
          instance_id: instance.instanceId,
          hostname: instance.subdomain,
          fqdn: `${instance.subdomain}.${deps.domain}`,
          callback_url: `${deps.apiPublicUrl}/api/instances/${instance.instanceId}/ready`,
          callback_token: callbackToken(deps.callbackSecret, instance.instanceId),
          gateway_port: String(GATEWAY_PORT),
        });
        try {
          const created = await hetzner.createServer({
            name,
            serverType,
            location,
            image: deps.catalog.image,
            userData,
            labels: { [INSTANCE_LABEL]: instance.instanceId, 'hostflow-customer': instance.customerId, 'hostflow-managed': 'true' },
            sshKeys: instance.sshKeys,
          });
          server = created.server;
          createActionId = created.actionId;
        } catch (error) {
          if (!(error instanceof ProviderError && error.code === 'uniqueness_error')) throw classify(error, what);
          // The name exists: ours if it carries our label (an earlier attempt), someone else's otherwise.
          const [named] = await call(what, () => hetzner.listServers({ name }));
          if (named?.labels[INSTANCE_LABEL] !== instance.instanceId) {
            throw ApplicationFailure.create({
              type: FailureType.ProviderRefused,
              nonRetryable: true,
              message: `${what}: Hetzner already has a server named ${name} (id ${named?.id ?? '?'}) that does not belong to this instance. Rename or delete it in the Hetzner console, then send "retry".`,
            });
          }
          server = named;
        }
      }
      if (createActionId === undefined) {
        const actions = await call(what, () => hetzner.listServerActions(server!.id));
        createActionId = actions.find((a) => a.command === 'create_server')?.id;
      }
      const resources = { serverId: server.id, ipAddress: server.ipv4, serverType: server.serverType, location: server.location };
      await db
        .update(instances)
        .set({ serverId: resources.serverId, ipAddress: resources.ipAddress ?? null, serverType: resources.serverType, location: resources.location, updatedAt: new Date() })
        .where(eq(instances.id, instance.instanceId));
      return { ...resources, createActionId };
    },

    /** Wait until the server Hetzner is creating is up (create action done, status running). */
    async waitForServerRunning(input: { instance: InstanceSpec; serverId: number; createActionId?: number }): Promise<void> {
      const what = `wait for server ${input.serverId} of instance ${input.instance.instanceId} to start`;
      const progress: WaitProgress = { step: 'create_server', actionId: input.createActionId, startedAt: Date.now() };
      if (input.createActionId !== undefined) await waitForAction(what, input.createActionId, progress);
      await waitForStatus(what, input.serverId, 'running', progress);
    },

    /** Graceful ACPI shutdown; a hard power-off if the guest has not stopped in time. */
    async stopServer(input: { instance: InstanceSpec; serverId: number; gracefulTimeoutMs: number }): Promise<'already off' | 'shut down' | 'powered off'> {
      const what = `stop server ${input.serverId} of instance ${input.instance.instanceId}`;
      const server = await requireServer(input.instance, input.serverId);
      if (server.status === 'off') return 'already off';
      const previous = previousHeartbeat<WaitProgress>();
      if (previous?.step !== 'poweroff') {
        const shutdown = await powerOnce(what, server.id, 'shutdown');
        // The grace period counts from the first attempt's shutdown, not from this retry.
        const left = input.gracefulTimeoutMs - (Date.now() - shutdown.startedAt);
        if (await waitForStatus(what, server.id, 'off', shutdown, Math.max(left, 0))) return 'shut down';
      }
      const poweroff = await powerOnce(`${what} (hard power-off: the guest ignored the shutdown)`, server.id, 'poweroff');
      await waitForAction(what, poweroff.actionId!, poweroff);
      await waitForStatus(what, server.id, 'off', poweroff);
      return 'powered off';
    },

    async startServer(input: { instance: InstanceSpec; serverId: number }): Promise<'already running' | 'started'> {
      const what = `power on server ${input.serverId} of instance ${input.instance.instanceId}`;
      const server = await requireServer(input.instance, input.serverId);
      if (server.status === 'running') return 'already running';
      let progress: WaitProgress | undefined;
      if (server.status !== 'starting') {
        progress = await powerOnce(what, server.id, 'poweron');
        await waitForAction(what, progress.actionId!, progress);
      }
      await waitForStatus(what, server.id, 'running', progress);
      return 'started';
    },

    /** Soft reboot; a hard reset if the server is not running again in time. */
    async rebootServer(input: { instance: InstanceSpec; serverId: number; softTimeoutMs: number }): Promise<'rebooted' | 'reset'> {
      const what = `reboot server ${input.serverId} of instance ${input.instance.instanceId}`;
      const server = await requireServer(input.instance, input.serverId);
      const previous = previousHeartbeat<WaitProgress>();
      if (previous?.step !== 'reset') {
        const reboot = await powerOnce(what, server.id, 'reboot');
        await waitForAction(what, reboot.actionId!, reboot);
        const left = input.softTimeoutMs - (Date.now() - reboot.startedAt);
        if (await waitForStatus(what, server.id, 'running', reboot, Math.max(left, 0))) return 'rebooted';
      }
      const reset = await powerOnce(`${what} (hard reset: the soft reboot did not finish in time)`, server.id, 'reset');
      await waitForAction(what, reset.actionId!, reset);
      await waitForStatus(what, server.id, 'running', reset);
      return 'reset';
    },

    /** Refuse, before anything is stopped, a resize Hetzner could not do. */
    async checkResize(input: { instance: InstanceSpec; serverId: number; plan: string }): Promise<{ serverType: string; alreadyThere: boolean }> {
      const serverType = deps.catalog.serverTypes[input.plan as keyof typeof deps.catalog.serverTypes];
      if (!serverType) throw operationRefused(`Plan ${input.plan} is not in the catalog.`);
      const server = await requireServer(input.instance, input.serverId);
      if (server.serverType === serverType) return { serverType, alreadyThere: true };
      const disk = await call(`read server type ${serverType}`, () => hetzner.serverTypeDisk(serverType));
      if (disk < server.primaryDiskSize) {
        throw operationRefused(
          `Cannot resize instance ${input.instance.instanceId} to ${input.plan} (${serverType}, ${disk} GB disk): the server's disk is ${server.primaryDiskSize} GB and Hetzner cannot shrink a disk. Choose a plan with at least ${server.primaryDiskSize} GB.`,
        );
      }
      return { serverType, alreadyThere: false };
    },

    async changeServerType(input: { instance: InstanceSpec; serverId: number; serverType: string }): Promise<void> {
      const what = `change server ${input.serverId} of instance ${input.instance.instanceId} to ${input.serverType}`;
      const server = await requireServer(input.instance, input.serverId);
      if (server.serverType === input.serverType) return;
      const previous = previousHeartbeat<WaitProgress>();
      let actionId = previous?.step === 'change_type' ? previous.actionId : undefined;
      if (actionId === undefined) {
        if (server.status !== 'off') {
          // Hetzner answers server_not_stopped; a stop is racing us (or a person powered it on).
          throw ApplicationFailure.create({ type: `Hetzner.server_not_stopped`, message: `${what}: the server is ${server.status}, not off` });
        }
        actionId = await call(what, () => hetzner.changeType(server.id, input.serverType));
        heartbeat({ step: 'change_type', actionId, startedAt: Date.now() });
      }
      await waitForAction(what, actionId, { step: 'change_type', actionId, startedAt: previous?.startedAt ?? Date.now() });
      await db.update(instances).set({ serverType: input.serverType, updatedAt: new Date() }).where(eq(instances.id, input.instance.instanceId));
    },

    async snapshotServer(input: { instance: InstanceSpec; serverId: number; operationId: string }): Promise<{ imageId: number }> {
      const what = `snapshot server ${input.serverId} of instance ${input.instance.instanceId}`;
      const server = await requireServer(input.instance, input.serverId);
      const previous = previousHeartbeat<SnapshotProgress>();
      if (previous?.step === 'create_image' && previous.actionId !== undefined) {
        await waitForAction(what, previous.actionId, previous);
        return { imageId: previous.imageId };
      }
      // The description names the operation, so a create_image whose answer was lost is found
      // again instead of taking a second (billed) snapshot.
      const description = `hostflow ${input.instance.subdomain} before terminate (${input.operationId})`;
      const existing = await call(what, () => hetzner.findSnapshot(server.id, description));
      if (existing) {
        const action = (await call(what, () => hetzner.listServerActions(server.id))).find((a) => a.command === 'create_image' && a.status === 'running');
        if (action) await waitForAction(what, action.id, { step: 'create_image', actionId: action.id, imageId: existing.id, startedAt: Date.now() });
        return { imageId: existing.id };
      }
      const created = await call(what, () => hetzner.createSnapshot(server.id, description));
      const progress: SnapshotProgress = { step: 'create_image', actionId: created.actionId, imageId: created.imageId, startedAt: Date.now() };
      heartbeat(progress);
      await waitForAction(what, created.actionId, progress);
      return { imageId: created.imageId };
    },

    /** Delete every server of the instance (found by label, so an orphan of a lost create goes too). */
    async deleteServer(input: { instance: InstanceSpec; serverId?: number }): Promise<{ deleted: number[] }> {
      const what = `delete the server of instance ${input.instance.instanceId}`;
      const found = await call(what, () => hetzner.listServers({ labelSelector: `${INSTANCE_LABEL}=${input.instance.instanceId}` }));
      const ids = new Set(found.map((s) => s.id));
      if (input.serverId !== undefined) ids.add(input.serverId);
      const deleted: number[] = [];
      for (const id of ids) {
        const actionId = await call(what, () => hetzner.deleteServer(id));
        if (actionId !== null) {
          await waitForAction(what, actionId, { step: 'delete_server', actionId, startedAt: Date.now() });
          deleted.push(id);
        }
      }
      return { deleted };
    },
  };
}

/** The instance's server by label; if an earlier bug left several, keep the oldest and delete the rest. */
async function findOwnServer(hetzner: HetznerClient, selector: string, what: string): Promise<HetznerServer | undefined> {
  let servers: HetznerServer[];
  try {
    servers = await hetzner.listServers({ labelSelector: selector });
  } catch (error) {
    throw classify(error, what);
  }
  const [oldest, ...extra] = servers.sort((a, b) => a.id - b.id);
  for (const duplicate of extra) {
    try {
      await hetzner.deleteServer(duplicate.id);
    } catch (error) {
      throw classify(error, `${what} (removing duplicate server ${duplicate.id})`);
    }
  }
  return oldest;
}
