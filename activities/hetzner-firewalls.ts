// /v1/firewalls through the client's axios instance (hcloud-js has no firewalls).
import { ProviderError } from './errors';
import type { HetznerClient } from './hetzner-client';
import { listAll } from './hetzner-list';

export interface FirewallRule {
  direction: 'in';
  protocol: 'tcp';
  port: string;
  source_ips: string[];
  description: string;
}

export interface HetznerFirewall {
  id: number;
  name: string;
  labels: Record<string, string>;
  applied_to: { type: string; server?: { id: number } }[];
}

export function listFirewalls(hetzner: HetznerClient, filter: { labelSelector?: string; name?: string }): Promise<HetznerFirewall[]> {
  return listAll<HetznerFirewall>(hetzner, '/firewalls', 'firewalls', { label_selector: filter.labelSelector, name: filter.name });
}

/** Created with its rules; the rules' own action runs on Hetzner's side and needs no wait before create_server uses the firewall. */
export async function createFirewall(hetzner: HetznerClient, firewall: { name: string; labels: Record<string, string>; rules: FirewallRule[] }): Promise<HetznerFirewall> {
  const response = await hetzner.http.post('/firewalls', firewall);
  return (response.data as { firewall: HetznerFirewall }).firewall;
}

/** The ids of the actions removing the firewall from these servers. */
export async function removeFirewallFrom(hetzner: HetznerClient, firewallId: number, serverIds: number[]): Promise<number[]> {
  const response = await hetzner.http.post(`/firewalls/${firewallId}/actions/remove_from_resources`, {
    remove_from: serverIds.map((id) => ({ type: 'server', server: { id } })),
  });
  return (response.data as { actions: { id: number }[] }).actions.map((a) => a.id);
}

/** false when the firewall was already gone. */
export async function deleteFirewallById(hetzner: HetznerClient, id: number): Promise<boolean> {
  try {
    await hetzner.http.delete(`/firewalls/${id}`);
    return true;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return false;
    throw error;
  }
}
