// The lifecycle table of DESIGN.md, written once. Pure: the entity workflow decides with it,
// and the API imports it for early 409s on requests that can never become valid.
import type { InstanceStatus, OperationType } from './statuses';

export type Verdict = { kind: 'run' } | { kind: 'noop'; reason: string } | { kind: 'reject'; reason: string };

/** The status an instance shows while each operation runs; undefined: it keeps the one it had
 * (a password reset or a snapshot changes nothing the customer would call a state). */
export const TRANSITIONAL_STATUS: Record<OperationType, InstanceStatus | undefined> = {
  provision: 'provisioning',
  suspend: 'suspending',
  unsuspend: 'resuming',
  resize: 'resizing',
  reboot: 'rebooting',
  terminate: 'terminating',
  rebuild: 'rebuilding',
  reset_password: undefined,
  snapshot: undefined,
  delete_snapshot: undefined,
};

const ALLOWED_FROM: Record<Exclude<OperationType, 'provision' | 'terminate'>, readonly InstanceStatus[]> = {
  suspend: ['running'],
  unsuspend: ['suspended'],
  resize: ['running', 'suspended'],
  reboot: ['running'],
  rebuild: ['running', 'suspended'],
  reset_password: ['running', 'suspended'],
  snapshot: ['running', 'suspended'],
  delete_snapshot: ['running', 'suspended'],
};

/** Already where the operation would take it: succeed without touching the server. */
const NOOP_FROM: Partial<Record<OperationType, InstanceStatus>> = {
  suspend: 'suspended',
  unsuspend: 'running',
};

export function isStable(status: InstanceStatus): boolean {
  return status === 'running' || status === 'suspended' || status === 'failed' || status === 'terminated';
}

/**
 * Decide what an operation does when its turn comes, given the stable state it meets.
 * `currentPlan`/`targetPlan` only matter for resize (same plan is a no-op).
 */
export function decide(
  type: OperationType,
  status: InstanceStatus,
  plans: { current?: string; target?: string } = {},
): Verdict {
  if (status === 'terminated') return { kind: 'reject', reason: 'the instance is terminated' };
  if (type === 'terminate') return { kind: 'run' };
  if (type === 'provision') {
    return status === 'provisioning'
      ? { kind: 'run' }
      : { kind: 'reject', reason: 'the instance is already provisioned' };
  }
  if (status === 'failed') return { kind: 'reject', reason: `the instance failed; only terminate is allowed, not ${type}` };
  if (NOOP_FROM[type] === status) return { kind: 'noop', reason: `already ${status}` };
  if (!ALLOWED_FROM[type].includes(status)) {
    return { kind: 'reject', reason: `${type} is not allowed while the instance is ${status}` };
  }
  if (type === 'resize' && plans.target !== undefined && plans.target === plans.current) {
    return { kind: 'noop', reason: `already on plan ${plans.current}` };
  }
  return { kind: 'run' };
}

/**
 * For the API: can this request ever become valid? Anything that might, once queued operations
 * finish, is the entity workflow's call; only a terminated instance refuses everything at once.
 */
export function canEverRun(type: OperationType, status: InstanceStatus): { ok: true } | { ok: false; reason: string } {
  if (status === 'terminated') return { ok: false, reason: 'the instance is terminated' };
  if (type === 'provision') return { ok: false, reason: 'an instance is provisioned once, when it is created' };
  if (status === 'failed' && type !== 'terminate') {
    return { ok: false, reason: `the instance failed; only terminate is allowed, not ${type}` };
  }
  return { ok: true };
}
