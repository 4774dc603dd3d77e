// Read-model rows → the API's JSON (snake_case, ISO timestamps).
import type { instanceHealth, InstanceRow, OperationRow } from '../schema/tables';
import type { BillingState } from '../workflows/billing-types';
import type { HealthStatus } from '../workflows/fleet-types';
import { instanceUrl } from '../workflows/ids';
import type { InstanceStatus, OperationStatus, OperationType } from '../workflows/statuses';
import type { InstanceView, OperationView } from './schemas';

export type InstanceHealthRow = typeof instanceHealth.$inferSelect;

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export function operationView(row: OperationRow): OperationView {
  const args = row.args ?? {};
  return {
    id: row.id,
    type: row.type as OperationType,
    seq: row.seq,
    status: row.status as OperationStatus,
    workflow_id: row.workflowId,
    args: {
      ...(typeof args.plan === 'string' ? { plan: args.plan } : {}),
      ...(typeof args.snapshot === 'boolean' ? { snapshot: args.snapshot } : {}),
      ...(typeof args.reason === 'string' ? { reason: args.reason } : {}),
      ...(typeof args.image === 'string' ? { image: args.image } : {}),
      ...(typeof args.snapshotId === 'number' ? { snapshot_id: args.snapshotId } : {}),
      ...(typeof args.description === 'string' ? { description: args.description } : {}),
    },
    error: row.error,
    requested_by: row.requestedBy,
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
  };
}

/** No row yet: the health sweep has not checked the instance. */
export function healthView(row: InstanceHealthRow | null): InstanceView['health'] {
  if (!row) return { status: 'unknown', consecutive_failures: 0, last_checked_at: null, last_ok_at: null };
  return {
    status: row.status as HealthStatus,
    consecutive_failures: row.consecutiveFailures,
    last_checked_at: iso(row.lastCheckedAt),
    last_ok_at: iso(row.lastOkAt),
  };
}

export function instanceView(row: InstanceRow, currentOperation: OperationRow | null, health: InstanceHealthRow | null, domain: string): InstanceView {
  return {
    id: row.id,
    status: row.status as InstanceStatus,
    plan: row.plan,
    region: row.region,
    ip_address: row.ipAddress,
    subdomain: row.subdomain,
    url: instanceUrl(row.subdomain, domain),
    server: { id: row.serverId, type: row.serverType, location: row.location },
    dns: { record_id: row.dnsRecordId },
    current_operation: currentOperation ? operationView(currentOperation) : null,
    last_error: row.lastError,
    billing: { state: row.billingState as BillingState, grace_until: iso(row.graceUntil) },
    health: healthView(health),
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
  };
}
