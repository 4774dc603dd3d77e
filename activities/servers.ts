// Server activities: find, create, wait for and delete the instance's server at Hetzner. Each can
// run twice, or die after Hetzner acted and before it answered, and still leave exactly one
// server: every one looks before it acts. They talk to Hetzner only; what they create goes back to
// the workflow, which records it (records.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { callbackToken } from '../config/callback-token';
import { locationsToTry, type Catalog } from '../config/catalog';
import type { InstanceSpec, Resources } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import { instanceFqdn, serverName } from '../workflows/ids';
import { GATEWAY_PORT, renderCloudInit } from './cloud-init';
import type { ActivityDeps } from './deps';
import { callProvider, classify, ProviderError } from './errors';
import type { CreateServerSpec, HetznerClient, HetznerServer } from './hetzner-client';
import { waitForAction, waitForStatus, type HetznerWaitDeps, type WaitProgress } from './hetzner-waits';
import { pollUntil } from './poll';

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

/** Ids of what the server is created with: stored SSH keys and the instance's firewall. */
interface CreateRefs {
  sshKeyIds?: number[];
  firewallIds?: number[];
}

/**
 * Create the instance's server, or find the one an earlier attempt created. When the region's
 * location has no capacity, the catalog's fallback locations are tried in order; `fellBackFrom`
 * names the first choice when the server is elsewhere. Without ids (workflow revisions from before
 * SSH keys were stored) the server gets no keys: raw key lines are not something Hetzner takes.
 */
async function createServer(
  deps: ServerDeps,
  input: { instance: InstanceSpec } & CreateRefs,
): Promise<Resources & { createActionId?: number; fellBackFrom?: string }> {
  const { instance } = input;
  const name = serverName(instance);
  // Failure messages are stored unencrypted (config/data-converter.ts): name the instance by id.
  const what = `create the server of instance ${instance.instanceId}`;
  // Hetzner may have created the server and lost the answer: look it up by label before creating again.
  const found = await findOwnServer(deps.hetzner, `${INSTANCE_LABEL}=${instance.instanceId}`, what);
  const { server, actionId } = found ? { server: found, actionId: undefined } : await createOrAdoptServer(deps, instance, name, what, input);
  const createActionId = actionId ?? (await callProvider(what, () => deps.hetzner.listServerActions(server.id))).find((a) => a.command === 'create_server')?.id;
  const [firstChoice] = locationsToTry(deps.catalog, instance.region);
  const fellBackFrom = firstChoice !== undefined && server.location !== firstChoice ? firstChoice : undefined;
  return { serverId: server.id, ipAddress: server.ipv4, serverType: server.serverType, location: server.location, createActionId, ...(fellBackFrom ? { fellBackFrom } : {}) };
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
  // A previous attempt (its worker killed mid-wait) already asked: wait for that delete, never a second.
  const deleting = new Set(found.filter((s) => s.status === 'deleting').map((s) => s.id));
  const deleted: number[] = [];
  for (const id of ids) {
    if (deleting.has(id)) {
      await pollUntil(async () => ((await callProvider(what, () => deps.hetzner.getServer(id))) === null ? true : undefined), {
        intervalMs: deps.pollIntervalMs,
        heartbeat: { step: 'delete_server', startedAt: Date.now() },
      });
      deleted.push(id);
      continue;
    }
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

/** Hetzner has no room for this server type there (now): try the next location. */
const isNoCapacity = (error: unknown): boolean => error instanceof ProviderError && (error.code === 'resource_unavailable' || error.code === 'placement_error');

/**
 * Ask Hetzner for a new server, location by location while it answers "no capacity"; if the name
 * is taken by an earlier attempt of ours, that one is it.
 */
async function createOrAdoptServer(deps: ServerDeps, instance: InstanceSpec, name: string, what: string, refs: CreateRefs): Promise<{ server: HetznerServer; actionId?: number }> {
  const locations = locationsToTry(deps.catalog, instance.region);
  if (locations.length === 0) serverSpec(deps, instance, name, undefined, refs, what); // throws: region not in the catalog
  for (const [index, location] of locations.entries()) {
    try {
      const created = await deps.hetzner.createServer(serverSpec(deps, instance, name, location, refs, what));
      return { server: created.server, actionId: created.actionId };
    } catch (error) {
      if (isNoCapacity(error) && index < locations.length - 1) continue;
      const tried = isNoCapacity(error) ? ` (no capacity in ${locations.join(', ')})` : '';
      if (!(error instanceof ProviderError && error.code === 'uniqueness_error')) throw classify(error, `${what}${tried}`);
      break;
    }
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

/** What Hetzner is asked to create: the plan's type in `location`, booting our cloud-init. */
function serverSpec(deps: ServerDeps, instance: InstanceSpec, name: string, location: string | undefined, refs: CreateRefs, what: string): CreateServerSpec {
  const serverType = serverTypeOf(deps.catalog, instance.plan);
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
    sshKeyIds: refs.sshKeyIds ?? [],
    firewallIds: refs.firewallIds ?? [],
  };
}

/** The cloud-init the server boots with (create and rebuild); the callback token is derived here, never passed through a history. */
export function cloudInitFor(deps: Pick<ServerDeps, 'catalog' | 'domain' | 'apiPublicUrl' | 'callbackSecret'>, instance: InstanceSpec): string {
  return renderCloudInit({
    instance_id: instance.instanceId,
    hostname: instance.subdomain,
    fqdn: instanceFqdn(instance.subdomain, deps.domain),
    callback_url: `${deps.apiPublicUrl}/api/instances/${instance.instanceId}/ready`,
    failed_url: `${deps.apiPublicUrl}/api/instances/${instance.instanceId}/failed`,
    ssh_allowed_cidrs: deps.catalog.sshAllowedCidrs.join(','),
    callback_token: callbackToken(deps.callbackSecret, instance.instanceId),
    gateway_port: String(GATEWAY_PORT),
  });
}
