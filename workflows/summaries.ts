// Text operators read in the Web UI: one line per workflow, naming the instance, plan and region.
import type { InstanceSpec } from './domain';
import type { OperationType } from './statuses';

const TITLES: Record<OperationType, string> = {
  provision: 'Provision',
  suspend: 'Suspend',
  unsuspend: 'Unsuspend',
  resize: 'Resize',
  reboot: 'Reboot',
  terminate: 'Terminate',
  rebuild: 'Rebuild',
  reset_password: 'Reset root password of',
  snapshot: 'Snapshot',
  delete_snapshot: 'Delete a snapshot of',
};

export function operationSummary(type: OperationType, instance: InstanceSpec, target?: string): string {
  const plan = type === 'resize' && target ? `${instance.plan} → ${target}` : instance.plan;
  return `${TITLES[type]} ${instance.subdomain} · ${plan} · ${instance.region}`;
}

export function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
