import { OPERATION_TYPES, type InstanceStatus } from '../../workflows/statuses';
import { canEverRun, decide } from '../../workflows/transitions';

describe('the lifecycle table', () => {
  it.each([
    ['suspend', 'running'],
    ['unsuspend', 'suspended'],
    ['resize', 'running'],
    ['resize', 'suspended'],
    ['reboot', 'running'],
    ['terminate', 'running'],
    ['terminate', 'suspended'],
    ['terminate', 'failed'],
    ['provision', 'provisioning'],
  ] as const)('runs %s from %s', (type, status) => {
    expect(decide(type, status, { current: 'starter', target: 'professional' })).toEqual({ kind: 'run' });
  });

  it.each([
    ['suspend', 'suspended'],
    ['unsuspend', 'running'],
  ] as const)('treats %s from %s as a no-op', (type, status) => {
    expect(decide(type, status).kind).toBe('noop');
  });

  it('treats a resize to the current plan as a no-op', () => {
    expect(decide('resize', 'running', { current: 'starter', target: 'starter' })).toEqual({ kind: 'noop', reason: 'already on plan starter' });
  });

  it.each([
    ['suspend', 'failed'],
    ['reboot', 'suspended'],
    ['unsuspend', 'failed'],
    ['resize', 'failed'],
    ['provision', 'running'],
  ] as const)('rejects %s from %s with a reason', (type, status) => {
    const verdict = decide(type, status);
    expect(verdict.kind).toBe('reject');
    expect(verdict.kind === 'reject' && verdict.reason.length).toBeGreaterThan(10);
  });

  it('rejects every operation on a terminated instance', () => {
    for (const type of OPERATION_TYPES) expect(decide(type, 'terminated').kind).toBe('reject');
  });

  it('lets the API refuse early only what can never become valid', () => {
    const transitional: InstanceStatus[] = ['provisioning', 'suspending', 'resuming', 'resizing', 'rebooting', 'attention'];
    for (const status of transitional) {
      for (const type of ['suspend', 'unsuspend', 'resize', 'reboot', 'terminate'] as const) expect(canEverRun(type, status)).toEqual({ ok: true });
    }
    expect(canEverRun('suspend', 'terminated').ok).toBe(false);
    expect(canEverRun('terminate', 'terminated').ok).toBe(false);
    expect(canEverRun('reboot', 'failed').ok).toBe(false);
    expect(canEverRun('terminate', 'failed')).toEqual({ ok: true });
  });
});
