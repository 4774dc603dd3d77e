// Server activities: find, create, wait for and delete the instance's server at Hetzner. Each can
// run twice, or die after Hetzner acted and before it answered, and still leave exactly one
// server: every one looks before it acts. They talk to Hetzner only; what they create goes back to
// the workflow, which records it (records.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { callbackToken } from '../config/callback-token';
import type { Catalog } from '../config/catalog';
import type { InstanceSpec, Resources } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import { instanceFqdn, serverName } from '../workflows/ids';
import { GATEWAY_PORT, renderCloudInit } from './cloud-init';
import type { ActivityDeps } from './deps';
import { callProvider, classify, ProviderError } from './errors';
import type { CreateServerSpec, HetznerClient, HetznerServer } from './hetzner-client';
import { waitForAction, waitForStatus, type HetznerWaitDeps, type WaitProgress } from './hetzner-waits';

export const INSTANCE_LABEL = 'hostflow-instance';

export type ServerDeps = HetznerWaitDeps & Pick<ActivityDeps, 'catalog' | 'domain' | 'apiPublicUrl' | 'callbackSecret'>;

/** Each activity is a plain function of (deps, input); the factory binds the deps. */
export function createServerActivities(deps: ServerDeps) {
  return {
    createServer: createServer.bind(null, deps),
    waitForServerRunning: waitForServerRunning.bind(null, deps),
    deleteServer: deleteServer.bind(null, deps),
  };
}

/** The Hetzner server type of a plan, or undefined when the catalog has no such plan. */
export const serverTypeOf = (catalog: Catalog, plan: string): string | undefined => catalog.serverTypes[plan as keyof Catalog['serverTypes']];

/** Create the instance's server, or find the one an earlier attempt created. */
async function createServer(deps: ServerDeps, input: { instance: InstanceSpec }): Promise<Resources & { createActionId?: number }> {
  const { instance } = input;
  const name = serverName(instance);
  // Failure messages are stored unencrypted (config/data-converter.ts): name the instance by id.
  const what = `create the server of instance ${instance.instanceId}`;
  // Hetzner may have created the server and lost the answer: look it up by label before creating again.
  const found = await findOwnServer(deps.hetzner, `${INSTANCE_LABEL}=${instance.instanceId}`, what);
  const { server, actionId } = found ? { server: found, actionId: undefined } : await createOrAdoptServer(deps, instance, name, what);
  const createActionId = actionId ?? (await callProvider(what, () => deps.hetzner.listServerActions(server.id))).find((a) => a.command === 'create_server')?.id;
  return { serverId: server.id, ipAddress: server.ipv4, serverType: server.serverType, location: server.location, createActionId };
}

/** Wait until the server Hetzner is creating is up (create action done, status running). */
async function waitForServerRunning(deps: ServerDeps, input: { instance: InstanceSpec; serverId: number; createActionId?: number }): Promise<void> {
  const what = `wait for server ${input.serverId} of instance ${input.instance.instanceId} to start`;
  const progress: WaitProgress = { step: 'create_server', actionId: input.createActionId, startedAt: Date.now() };
  if (input.createActionId !== undefined) await waitForAction(deps, what, input.createActionId, progress);
  await waitForStatus(deps, what, input.serverId, 'running', progress);
}

/** Delete every server of the instance (found by label, so an orphan of a lost create goes too). */
async function deleteServer(deps: ServerDeps, input: { instance: InstanceSpec; serverId?: number }): Promise<{ deleted: number[] }> {
  const what = `delete the server of instance ${input.instance.instanceId}`;
  const found = await callProvider(what, () => deps.hetzner.listServers({ labelSelector: `${INSTANCE_LABEL}=${input.instance.instanceId}` }));
  const ids = new Set(found.map((s) => s.id));
  if (input.serverId !== undefined) ids.add(input.serverId);
  const deleted: number[] = [];
  for (const id of ids) {
    const actionId = await callProvider(what, () => deps.hetzner.deleteServer(id));
    if (actionId !== null) {
      await waitForAction(deps, what, actionId, { step: 'delete_server', actionId, startedAt: Date.now() });
      deleted.push(id);
    }
  }
  return { deleted };
}

/** The instance's server by label; if an earlier bug left several, keep the oldest and delete the rest. */
async function findOwnServer(hetzner: HetznerClient, selector: string, what: string): Promise<HetznerServer | undefined> {
  const servers = await callProvider(what, () => hetzner.listServers({ labelSelector: selector }));
  const [oldest, ...extra] = servers.sort((a, b) => a.id - b.id);
  for (const duplicate of extra) {
    await callProvider(`${what} (removing duplicate server ${duplicate.id})`, () => hetzner.deleteServer(duplicate.id));
  }
  return oldest;
}

/** Ask Hetzner for a new server; if the name is taken by an earlier attempt of ours, that one is it. */
async function createOrAdoptServer(deps: ServerDeps, instance: InstanceSpec, name: string, what: string): Promise<{ server: HetznerServer; actionId?: number }> {
  const spec = serverSpec(deps, instance, name, what);
  try {
    const created = await deps.hetzner.createServer(spec);
    return { server: created.server, actionId: created.actionId };
  } catch (error) {
    if (!(error instanceof ProviderError && error.code === 'uniqueness_error')) throw classify(error, what);
  }
  // The name exists: ours if it carries our label (an earlier attempt), someone else's otherwise.
  const [named] = await callProvider(what, () => deps.hetzner.listServers({ name }));
  if (named?.labels[INSTANCE_LABEL] !== instance.instanceId) {
    throw ApplicationFailure.create({
      type: FailureType.ProviderRefused,
      nonRetryable: true,
      message: `${what}: Hetzner already has a server named ${name} (id ${named?.id ?? '?'}) that does not belong to this instance. Rename or delete it in the Hetzner console, then send "retry".`,
    });
  }
  return { server: named };
}

/** What Hetzner is asked to create: the plan's type in the region's location, booting our cloud-init. */
function serverSpec(deps: ServerDeps, instance: InstanceSpec, name: string, what: string): CreateServerSpec {
  const serverType = serverTypeOf(deps.catalog, instance.plan);
  const location = deps.catalog.locations[instance.region as keyof Catalog['locations']];
  if (!serverType || !location) {
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `${what}: plan ${instance.plan} or region ${instance.region} is not in the catalog` });
  }
  return {
    name,
    serverType,
    location,
    image: deps.catalog.image,
    userData: cloudInitFor(deps, instance),
    labels: { [INSTANCE_LABEL]: instance.instanceId, 'hostflow-customer': instance.customerId, 'hostflow-managed': 'true' },
    sshKeys: instance.sshKeys,
  };
}

/** The cloud-init the new server boots with; the callback token is derived here, never passed through a history. */
function cloudInitFor(deps: ServerDeps, instance: InstanceSpec): string {
  return renderCloudInit({
    instance_id: instance.instanceId,
    hostname: instance.subdomain,
    fqdn: instanceFqdn(instance.subdomain, deps.domain),
    callback_url: `${deps.apiPublicUrl}/api/instances/${instance.instanceId}/ready`,
    callback_token: callbackToken(deps.callbackSecret, instance.instanceId),
    gateway_port: String(GATEWAY_PORT),
  });
}
