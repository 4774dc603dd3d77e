// /v1/ssh_keys, which hcloud-js's typings here do not cover: through the client's axios instance
// (auth, base URL, ProviderError on failure).
import { ProviderError } from './errors';
import type { HetznerClient } from './hetzner-client';
import { listAll } from './hetzner-list';

export interface HetznerSshKey {
  id: number;
  name: string;
  fingerprint: string;
  labels: Record<string, string>;
}

export function listSshKeys(hetzner: HetznerClient, filter: { fingerprint?: string; name?: string; labelSelector?: string }): Promise<HetznerSshKey[]> {
  return listAll<HetznerSshKey>(hetzner, '/ssh_keys', 'ssh_keys', {
    fingerprint: filter.fingerprint,
    name: filter.name,
    label_selector: filter.labelSelector,
  });
}

export async function createSshKey(hetzner: HetznerClient, key: { name: string; publicKey: string; labels: Record<string, string> }): Promise<HetznerSshKey> {
  const response = await hetzner.http.post('/ssh_keys', { name: key.name, public_key: key.publicKey, labels: key.labels });
  return (response.data as { ssh_key: HetznerSshKey }).ssh_key;
}

/** false when the key was already gone. */
export async function deleteSshKey(hetzner: HetznerClient, id: number): Promise<boolean> {
  try {
    await hetzner.http.delete(`/ssh_keys/${id}`);
    return true;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return false;
    throw error;
  }
}
