// Reinstall a server (rebuild) and give its root a new password (reset_password). Hetzner answers
// both with the new root password: it goes to the customer by e-mail from here
// (root-password-email.ts) once the action has succeeded, and nowhere else. Heartbeats carry only
// the action id and whether a password is owed; a retry whose attempt died holding a password
// cannot send it, so it asks Hetzner for a fresh one (reset_password) instead of reinstalling again.
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSpec } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import type { ActivityDeps } from './deps';
import { callProvider, operationRefused } from './errors';
import { getImage } from './hetzner-images';
import { rebuildFromImage, resetPassword } from './hetzner-server-actions';
import { waitForAction, type HetznerWaitDeps, type WaitProgress } from './hetzner-waits';
import { heartbeat, previousHeartbeat } from './keep-alive';
import { mailRootPassword, type PasswordReason } from './root-password-email';
import { cloudInitFor, INSTANCE_LABEL } from './servers';

export type RebuildDeps = HetznerWaitDeps & Pick<ActivityDeps, 'db' | 'mail' | 'domain' | 'catalog' | 'apiPublicUrl' | 'callbackSecret'>;

interface PasswordProgress extends WaitProgress {
  /** rebuild: Hetzner answered a password (no SSH keys); reset_password: the password was e-mailed. */
  password?: boolean;
  mailed?: boolean;
}

interface ServerInput {
  instance: InstanceSpec;
  serverId: number;
  operationId: string;
}

export function createRebuildActivities(deps: RebuildDeps) {
  return {
    rebuildServer: rebuildServer.bind(null, deps),
    resetRootPassword: resetRootPassword.bind(null, deps),
  };
}

/** Reinstall from a catalog image or one of the instance's snapshots, booting fresh cloud-init. */
async function rebuildServer(deps: RebuildDeps, input: ServerInput & { image: string }): Promise<{ image: string }> {
  const what = `rebuild server ${input.serverId} of instance ${input.instance.instanceId} from ${input.image}`;
  const previous = previousHeartbeat<PasswordProgress>();
  if (previous?.step === 'reset_password') {
    await mailFreshPassword(deps, input, 'rebuild');
    return { image: input.image };
  }
  let progress = previous?.step === 'rebuild' ? previous : undefined;
  let password: string | null = null;
  if (!progress) {
    await refuseForeignImage(deps, input.instance, input.image, what);
    await requireServer(deps, input, what);
    const answer = await callProvider(what, () => rebuildFromImage(deps.hetzner, input.serverId, input.image, cloudInitFor(deps, input.instance)));
    progress = { step: 'rebuild', actionId: answer.actionId, startedAt: Date.now(), password: answer.rootPassword !== null };
    heartbeat(progress);
    password = answer.rootPassword;
  }
  await waitForAction(deps, what, progress.actionId!, progress);
  if (password !== null) {
    await mailRootPassword(deps, { instanceId: input.instance.instanceId, operationId: input.operationId, actionId: progress.actionId!, reason: 'rebuild', password });
  } else if (progress.password) {
    // The password Hetzner set died with the previous attempt: set a new one rather than reinstall again.
    await mailFreshPassword(deps, input, 'rebuild');
  }
  return { image: input.image };
}

async function resetRootPassword(deps: RebuildDeps, input: ServerInput): Promise<{ sent: true }> {
  await requireServer(deps, input, `reset the root password of instance ${input.instance.instanceId}`);
  await mailFreshPassword(deps, input, 'reset_password');
  return { sent: true };
}

/** reset_password, wait for it to take effect, e-mail the password; resumable once mailed. */
async function mailFreshPassword(deps: RebuildDeps, input: ServerInput, reason: PasswordReason): Promise<void> {
  const what = `reset the root password of server ${input.serverId} of instance ${input.instance.instanceId}`;
  const previous = previousHeartbeat<PasswordProgress>();
  if (previous?.step === 'reset_password' && previous.mailed) return;
  // An earlier reset whose password was not mailed is lost with its attempt: ask for another.
  const answer = await callProvider(what, () => resetPassword(deps.hetzner, input.serverId));
  const progress: PasswordProgress = { step: 'reset_password', actionId: answer.actionId, startedAt: Date.now(), mailed: false };
  heartbeat(progress);
  await waitForAction(deps, what, answer.actionId, progress);
  if (answer.rootPassword === null) {
    throw ApplicationFailure.create({ type: FailureType.ActionFailed, nonRetryable: true, message: `${what}: Hetzner answered no password` });
  }
  await mailRootPassword(deps, { instanceId: input.instance.instanceId, operationId: input.operationId, actionId: answer.actionId, reason, password: answer.rootPassword });
  heartbeat({ ...progress, mailed: true });
}

/** Only the catalog's system images and this instance's own snapshots may be installed. */
async function refuseForeignImage(deps: RebuildDeps, instance: InstanceSpec, image: string, what: string): Promise<void> {
  if (!/^\d+$/.test(image)) {
    if (!deps.catalog.images.includes(image)) throw operationRefused(`${what}: ${image} is not an image of the catalog (${deps.catalog.images.join(', ')}).`);
    return;
  }
  const found = await callProvider(what, () => getImage(deps.hetzner, Number(image)));
  if (found?.type !== 'snapshot' || found.labels?.[INSTANCE_LABEL] !== instance.instanceId) {
    throw operationRefused(`${what}: image ${image} is not a snapshot of this instance.`);
  }
}

async function requireServer(deps: RebuildDeps, input: ServerInput, what: string): Promise<void> {
  const server = await callProvider(what, () => deps.hetzner.getServer(input.serverId));
  if (!server) {
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `${what}: server ${input.serverId} does not exist at Hetzner` });
  }
}
