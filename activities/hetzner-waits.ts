// Waiting on Hetzner, resumably. Every poll heartbeats the activity's progress (which action it
// started, and when), never a description of the poll: a retry after a dead worker reads it back
// and resumes that action instead of starting a second reboot, snapshot or type change.
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../workflows/failure-types';
import type { ActivityDeps } from './deps';
import { callProvider } from './errors';
import type { HetznerServer, PowerCommand } from './hetzner-client';
import { heartbeat, previousHeartbeat } from './keep-alive';
import { pollUntil } from './poll';

export type HetznerWaitDeps = Pick<ActivityDeps, 'hetzner' | 'pollIntervalMs'>;

/** What a waiting activity heartbeats: the action it started and when, so a retry resumes it. */
export interface WaitProgress {
  step: string;
  actionId?: number;
  startedAt: number;
}

export interface SnapshotProgress extends WaitProgress {
  imageId: number;
}

/** Wait for a Hetzner action to finish; one that ends in error is a non-retryable `ActionFailed`. */
export async function waitForAction(
  deps: HetznerWaitDeps,
  what: string,
  actionId: number,
  progress: WaitProgress | SnapshotProgress = { step: 'action', actionId, startedAt: Date.now() },
): Promise<void> {
  const action = await pollUntil(
    async () => {
      const current = await callProvider(what, () => deps.hetzner.getAction(actionId));
      return current.status === 'running' ? undefined : current;
    },
    { intervalMs: deps.pollIntervalMs, heartbeat: progress },
  );
  if (action?.status === 'error') {
    throw ApplicationFailure.create({
      type: FailureType.ActionFailed,
      nonRetryable: true,
      message: `${what}: Hetzner action ${actionId} (${action.command}) failed: ${action.error?.code ?? 'error'}: ${action.error?.message ?? 'no message'}`,
    });
  }
}

/** true once the server reports `status`; false if `timeoutMs` passed first. */
export async function waitForStatus(
  deps: HetznerWaitDeps,
  what: string,
  serverId: number,
  status: HetznerServer['status'],
  progress: WaitProgress | undefined,
  timeoutMs?: number,
): Promise<boolean> {
  const reached = await pollUntil(
    async () => ((await callProvider(what, () => deps.hetzner.getServer(serverId)))?.status === status ? true : undefined),
    { intervalMs: deps.pollIntervalMs, timeoutMs, heartbeat: progress ?? { step: 'wait', startedAt: Date.now() } },
  );
  return reached === true;
}

/** Start a power action unless a previous attempt of this activity already did (heartbeat). */
export async function powerOnce(deps: HetznerWaitDeps, what: string, serverId: number, command: PowerCommand): Promise<WaitProgress> {
  const previous = previousHeartbeat<WaitProgress>();
  if (previous?.step === command && previous.actionId !== undefined) return previous;
  const actionId = await callProvider(what, () => deps.hetzner.power(serverId, command));
  const progress = { step: command, actionId, startedAt: Date.now() };
  heartbeat(progress);
  return progress;
}
