// What the repair activities ask Postgres again just before they act: a sweep's finding may be an
// hour old by the time the workflow carries it out, and an operation may have started since.
import { ApplicationFailure } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import type { DriftFinding } from '../workflows/fleet-types';
import { FailureType } from '../workflows/failure-types';
import type { Database } from '../schema/db';
import { instances, type InstanceRow } from '../schema/tables';
import { DEAD_STATES } from './drift-inventory';

export type InstanceNow = Pick<InstanceRow, 'id' | 'status' | 'subdomain' | 'ipAddress' | 'currentOperationId' | 'whmcsClientId' | 'billingCustomer' | 'billingRef' | 'plan' | 'region'>;

export async function instanceNow(db: Database, instanceId: string): Promise<InstanceNow | undefined> {
  const [row] = await db
    .select({
      id: instances.id,
      status: instances.status,
      subdomain: instances.subdomain,
      ipAddress: instances.ipAddress,
      currentOperationId: instances.currentOperationId,
      whmcsClientId: instances.whmcsClientId,
      billingCustomer: instances.billingCustomer,
      billingRef: instances.billingRef,
      plan: instances.plan,
      region: instances.region,
    })
    .from(instances)
    .where(eq(instances.id, instanceId));
  return row;
}

/** No row, or terminated / failed: nothing at the providers belongs to it any more. */
export async function hasLiveInstance(db: Database, instanceId: string | undefined): Promise<boolean> {
  if (instanceId === undefined) return false;
  const row = await instanceNow(db, instanceId);
  return row !== undefined && !(DEAD_STATES as readonly string[]).includes(row.status);
}

/** A finding without the fields its action needs is a bug in the caller, not something to retry. */
export function malformed(finding: DriftFinding, needs: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `drift finding ${finding.key} (${finding.kind}) has no ${needs}` });
}
