// The customer's SSH keys, stored once per project in Hetzner's /v1/ssh_keys and passed to a
// server create by id (Hetzner refuses raw key lines). Keys are found by fingerprint before any is
// created, so a retry, a lost answer or a second instance of the same customer reuses them.
// Hetzner does not say which server a key was used for, so a customer's keys stay while any of
// their servers lives, and go with the last one (deleteUnusedSshKeys).
import { ApplicationFailure } from '@temporalio/activity';
import { parsePublicKey } from '../config/ssh-public-key';
import type { InstanceSpec } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import { callProvider, classify, ProviderError } from './errors';
import type { HetznerWaitDeps } from './hetzner-waits';
import { selectorOf } from './hetzner-list';
import { createSshKey, deleteSshKey, listSshKeys, type HetznerSshKey } from './hetzner-ssh-keys';

export const CUSTOMER_LABEL = 'hostflow-customer';
export const MANAGED_LABEL = 'hostflow-managed';

export type SshKeyDeps = Pick<HetznerWaitDeps, 'hetzner'>;

export function createSshKeyActivities(deps: SshKeyDeps) {
  return {
    ensureSshKeys: (input: { instance: InstanceSpec }) => ensureSshKeys(deps, input.instance),
    deleteUnusedSshKeys: deleteUnusedSshKeys.bind(null, deps),
  };
}

/** The ids (and fingerprints) of the instance's keys at Hetzner, in the order of its key lines, each once. */
export async function ensureSshKeys(deps: SshKeyDeps, instance: InstanceSpec): Promise<{ sshKeyIds: number[]; fingerprints: string[] }> {
  const sshKeyIds: number[] = [];
  const fingerprints: string[] = [];
  for (const [index, line] of instance.sshKeys.entries()) {
    const key = parsePublicKey(line);
    if (typeof key === 'string') {
      throw ApplicationFailure.create({
        type: FailureType.InvalidInput,
        nonRetryable: true,
        message: `SSH key ${index + 1} of instance ${instance.instanceId} is not an OpenSSH public key (${key}); the API should have refused it.`,
      });
    }
    if (fingerprints.includes(key.fingerprint)) continue;
    const stored = await ensureKey(deps, instance, key.line, key.fingerprint);
    sshKeyIds.push(stored.id);
    fingerprints.push(key.fingerprint);
  }
  return { sshKeyIds, fingerprints };
}

async function ensureKey(deps: SshKeyDeps, instance: InstanceSpec, publicKey: string, fingerprint: string): Promise<HetznerSshKey> {
  const what = `store SSH key ${fingerprint} of instance ${instance.instanceId}`;
  const [found] = await callProvider(what, () => listSshKeys(deps.hetzner, { fingerprint }));
  if (found) return found;
  const name = `hostflow-${instance.customerId}-${fingerprint.replace(/:/g, '').slice(0, 12)}`;
  try {
    return await createSshKey(deps.hetzner, { name, publicKey, labels: { [CUSTOMER_LABEL]: instance.customerId, [MANAGED_LABEL]: 'true' } });
  } catch (error) {
    if (!(error instanceof ProviderError && error.code === 'uniqueness_error')) throw classify(error, what);
  }
  // Stored meanwhile (a lost answer, or a sibling instance): the same key is the one to use.
  const [again] = await callProvider(what, () => listSshKeys(deps.hetzner, { fingerprint }));
  if (again) return again;
  const [named] = await callProvider(what, () => listSshKeys(deps.hetzner, { name }));
  if (named?.fingerprint === fingerprint) return named;
  throw ApplicationFailure.create({
    type: FailureType.ProviderRefused,
    nonRetryable: true,
    message: `${what}: Hetzner already has a key named ${name} with another fingerprint (${named?.fingerprint ?? 'unknown'}). Rename or delete it in the Hetzner console, then send "retry".`,
  });
}

/** With no server of the customer left, delete the keys Hostflow stored for them. */
async function deleteUnusedSshKeys(deps: SshKeyDeps, input: { instance: InstanceSpec }): Promise<{ deleted: number[] }> {
  const { customerId } = input.instance;
  const what = `delete the unused SSH keys of customer ${customerId} (instance ${input.instance.instanceId})`;
  const servers = await callProvider(what, () => deps.hetzner.listServers({ labelSelector: selectorOf({ [CUSTOMER_LABEL]: customerId }) }));
  if (servers.length > 0) return { deleted: [] };
  const keys = await callProvider(what, () => listSshKeys(deps.hetzner, { labelSelector: selectorOf({ [CUSTOMER_LABEL]: customerId, [MANAGED_LABEL]: 'true' }) }));
  const deleted: number[] = [];
  for (const key of keys) {
    if (await callProvider(what, () => deleteSshKey(deps.hetzner, key.id))) deleted.push(key.id);
  }
  return { deleted };
}
