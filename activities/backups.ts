// Hetzner's automatic backups for plans that include them (catalog `backups`; Hetzner bills
// +20 % of the server price). Enabled once after create; a server that has a backup window
// already has them, so a retry or a second call changes nothing.
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSpec } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import { callProvider } from './errors';
import { enableBackupAction } from './hetzner-server-actions';
import { waitForAction, type HetznerWaitDeps, type WaitProgress } from './hetzner-waits';
import { heartbeat, previousHeartbeat } from './keep-alive';

export function createBackupActivities(deps: HetznerWaitDeps) {
  return { enableBackup: enableBackup.bind(null, deps) };
}

async function enableBackup(deps: HetznerWaitDeps, input: { instance: InstanceSpec; serverId: number }): Promise<'enabled' | 'already enabled'> {
  const what = `enable backups of server ${input.serverId} of instance ${input.instance.instanceId}`;
  const previous = previousHeartbeat<WaitProgress>();
  if (previous?.step === 'enable_backup' && previous.actionId !== undefined) {
    await waitForAction(deps, what, previous.actionId, previous);
    return 'enabled';
  }
  const server = await callProvider(what, () => deps.hetzner.getServer(input.serverId));
  if (!server) {
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `${what}: the server does not exist at Hetzner` });
  }
  if (server.backupWindow) return 'already enabled';
  const actionId = await callProvider(what, () => enableBackupAction(deps.hetzner, server.id));
  const progress: WaitProgress = { step: 'enable_backup', actionId, startedAt: Date.now() };
  heartbeat(progress);
  await waitForAction(deps, what, actionId, progress);
  return 'enabled';
}
