// The words of the lifecycle table: instance statuses, operation types and operation statuses.
export const INSTANCE_STATUSES = [
  'provisioning',
  'running',
  'suspending',
  'suspended',
  'resuming',
  'resizing',
  'rebooting',
  'rebuilding',
  'terminating',
  'terminated',
  'failed',
  'attention',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const OPERATION_TYPES = [
  'provision',
  'suspend',
  'unsuspend',
  'resize',
  'reboot',
  'terminate',
  'rebuild',
  'reset_password',
  'snapshot',
  'delete_snapshot',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const OPERATION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'rejected'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** An operation in one of these has ended and never changes again. */
export const FINAL_OPERATION_STATUSES: readonly OperationStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];
export const isFinalOperationStatus = (status: string): boolean => (FINAL_OPERATION_STATUSES as readonly string[]).includes(status);
