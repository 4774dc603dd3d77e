// Which workflow a VPS's callback (ready or failed) is for: the instance's provision or rebuild
// that has not finished, the earliest first (a rebuild queued behind a running provision waits
// its turn, and so does its VPS's callback). None open: the provision, as before rebuilds existed;
// a closed workflow then answers "finished" and the callback is acknowledged without effect.
import { and, asc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { operations } from '../schema/tables';
import { provisionWorkflowId } from '../workflows/ids';
import { FINAL_OPERATION_STATUSES } from '../workflows/statuses';

export async function vmCallbackWorkflowId(db: Database, instanceId: string): Promise<string> {
  const [open] = await db
    .select({ workflowId: operations.workflowId })
    .from(operations)
    .where(
      and(
        eq(operations.instanceId, instanceId),
        inArray(operations.type, ['provision', 'rebuild']),
        notInArray(operations.status, [...FINAL_OPERATION_STATUSES]),
      ),
    )
    .orderBy(asc(operations.seq))
    .limit(1);
  return open?.workflowId ?? provisionWorkflowId(instanceId);
}
