// One Hetzner Cloud Firewall per instance, applied at create (`firewalls` in the create body) and
// deleted with the instance. Per instance, not shared: no object whose rules or "applied to" list
// every instance depends on, nothing to detach when one instance goes, and no shared firewall
// running into Hetzner's per-firewall limits (rules and resources it may be applied to).
// Inbound: SSH from SSH_ALLOWED_CIDRS, HTTP and HTTPS (Caddy) from anywhere, nothing else —
// the gateway's own port stays behind the proxy. infra/cloud-init.yaml's UFW mirrors these rules.
import { ApplicationFailure } from '@temporalio/activity';
import type { Catalog } from '../config/catalog';
import type { InstanceSpec } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import type { ActivityDeps } from './deps';
import { callProvider, classify, ProviderError } from './errors';
import { createFirewall, deleteFirewallById, listFirewalls, removeFirewallFrom, type FirewallRule, type HetznerFirewall } from './hetzner-firewalls';
import { selectorOf } from './hetzner-list';
import { waitForAction, type HetznerWaitDeps } from './hetzner-waits';
import { INSTANCE_LABEL } from './servers';
import { CUSTOMER_LABEL, MANAGED_LABEL } from './ssh-keys';

export type FirewallDeps = HetznerWaitDeps & Pick<ActivityDeps, 'catalog'>;

const ANYWHERE = ['0.0.0.0/0', '::/0'];

export function firewallRules(catalog: Pick<Catalog, 'sshAllowedCidrs'>): FirewallRule[] {
  const tcp = (port: string, sources: readonly string[], description: string): FirewallRule => ({ direction: 'in', protocol: 'tcp', port, source_ips: [...sources], description });
  return [tcp('22', catalog.sshAllowedCidrs, 'SSH'), tcp('80', ANYWHERE, 'HTTP (certificate challenges, redirect)'), tcp('443', ANYWHERE, 'HTTPS')];
}

export function createFirewallActivities(deps: FirewallDeps) {
  return {
    ensureFirewall: ensureFirewall.bind(null, deps),
    deleteFirewall: deleteFirewall.bind(null, deps),
  };
}

async function ensureFirewall(deps: FirewallDeps, input: { instance: InstanceSpec }): Promise<{ firewallId: number }> {
  const { instance } = input;
  const what = `create the firewall of instance ${instance.instanceId}`;
  const own = await callProvider(what, () => listFirewalls(deps.hetzner, { labelSelector: selectorOf({ [INSTANCE_LABEL]: instance.instanceId }) }));
  const [oldest] = own.sort((a, b) => a.id - b.id);
  if (oldest) return { firewallId: oldest.id };
  const name = `hostflow-${instance.instanceId}`;
  const labels = { [INSTANCE_LABEL]: instance.instanceId, [CUSTOMER_LABEL]: instance.customerId, [MANAGED_LABEL]: 'true' };
  try {
    return { firewallId: (await createFirewall(deps.hetzner, { name, labels, rules: firewallRules(deps.catalog) })).id };
  } catch (error) {
    if (!(error instanceof ProviderError && error.code === 'uniqueness_error')) throw classify(error, what);
  }
  // The name is the instance id: an earlier attempt made it and lost the answer.
  const [named] = await callProvider(what, () => listFirewalls(deps.hetzner, { name }));
  if (named?.labels[INSTANCE_LABEL] === instance.instanceId) return { firewallId: named.id };
  throw ApplicationFailure.create({
    type: FailureType.ProviderRefused,
    nonRetryable: true,
    message: `${what}: Hetzner already has a firewall named ${name} that is not labelled for this instance. Delete it in the Hetzner console, then send "retry".`,
  });
}

/** Every firewall labelled with the instance; one still applied somewhere is detached first. */
async function deleteFirewall(deps: FirewallDeps, input: { instance: InstanceSpec }): Promise<{ deleted: number[] }> {
  const what = `delete the firewall of instance ${input.instance.instanceId}`;
  const own = await callProvider(what, () => listFirewalls(deps.hetzner, { labelSelector: selectorOf({ [INSTANCE_LABEL]: input.instance.instanceId }) }));
  const deleted: number[] = [];
  for (const firewall of own) {
    if (await deleteDetached(deps, firewall, what)) deleted.push(firewall.id);
  }
  return { deleted };
}

async function deleteDetached(deps: FirewallDeps, firewall: HetznerFirewall, what: string): Promise<boolean> {
  try {
    return await deleteFirewallById(deps.hetzner, firewall.id);
  } catch (error) {
    if (!(error instanceof ProviderError && error.code === 'resource_in_use')) throw classify(error, what);
  }
  const servers = firewall.applied_to.flatMap((r) => (r.type === 'server' && r.server ? [r.server.id] : []));
  const actions = servers.length > 0 ? await callProvider(what, () => removeFirewallFrom(deps.hetzner, firewall.id, servers)) : [];
  for (const actionId of actions) await waitForAction(deps, `${what} (detaching it from servers ${servers.join(', ')})`, actionId);
  try {
    return await deleteFirewallById(deps.hetzner, firewall.id);
  } catch (error) {
    if (!(error instanceof ProviderError && error.code === 'resource_in_use')) throw classify(error, what);
    // A detach Hetzner has not settled yet: retryable, the next attempt finds the firewall free.
    throw ApplicationFailure.create({ type: 'Hetzner.resource_in_use', message: `${what}: firewall ${firewall.id} is still applied after detaching it` });
  }
}
