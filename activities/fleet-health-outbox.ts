// deliverHealthChanges: instance_health.pending is an outbox. Each instance's changes are
// signalled to its entity in the order they happened, then removed by key, so a change the sweep
// appended meanwhile stays for the next delivery. Running it twice is safe: the entity acts once
// per change key. A workflow that no longer exists (terminated instance) cannot hear them: dropped.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instanceHealth } from '../schema/tables';
import type { HealthChange } from '../workflows/fleet-types';
import { instanceWorkflowId } from '../workflows/ids';
import { healthChangedSignal } from '../workflows/messages';
import { mapBounded } from './bounded-map';
import type { ActivityDeps } from './deps';
import { heartbeat } from './keep-alive';

/** Instances one call delivers to; the rest wait for the next call (the next sweep at the latest). */
export const OUTBOX_INSTANCES_PER_CALL = 500;
/** Entities signalled at once (each instance's own changes go one after another, in order). */
const SIGNALS_IN_FLIGHT = 10;

export async function deliverHealthChanges(deps: Pick<ActivityDeps, 'db'>): Promise<{ delivered: number }> {
  const client = Context.current().client;
  const rows = await deps.db
    .select({ instanceId: instanceHealth.instanceId, pending: instanceHealth.pending })
    .from(instanceHealth)
    .where(sql`jsonb_array_length(${instanceHealth.pending}) > 0`)
    .orderBy(asc(instanceHealth.instanceId))
    .limit(OUTBOX_INSTANCES_PER_CALL);
  let delivered = 0;
  await mapBounded(rows, SIGNALS_IN_FLIGHT, async (row) => {
    const handle = client.workflow.getHandle(instanceWorkflowId(row.instanceId));
    const sent = await deliverInOrder(deps.db, row.instanceId, row.pending as HealthChange[], (change) => handle.signal(healthChangedSignal, change));
    delivered += sent; // not `delivered += await …`: that reads the total before the await, and rows run side by side
    heartbeat({ delivered });
  });
  return { delivered };
}

/** Signal one instance's changes in order; what was sent (or can never be) leaves the outbox even when a later signal fails. */
async function deliverInOrder(db: Database, instanceId: string, changes: HealthChange[], signal: (change: HealthChange) => Promise<void>): Promise<number> {
  const signalled: string[] = [];
  let dropped: string[] = [];
  try {
    for (const change of changes) {
      await signal(change);
      signalled.push(change.key);
    }
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    dropped = changes.slice(signalled.length).map((change) => change.key);
  } finally {
    await removeFromOutbox(db, instanceId, [...signalled, ...dropped]);
  }
  return signalled.length;
}

/** Remove exactly these keys from the instance's pending changes (compared in the database, not overwritten). */
async function removeFromOutbox(db: Database, instanceId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(instanceHealth)
    .set({
      pending: sql`coalesce((select jsonb_agg(e order by i) from jsonb_array_elements(${instanceHealth.pending}) with ordinality as t(e, i) where (e->>'key') not in (${sql.join(keys.map((key) => sql`${key}`), sql`, `)})), '[]'::jsonb)`,
    })
    .where(and(eq(instanceHealth.instanceId, instanceId), sql`jsonb_array_length(${instanceHealth.pending}) > 0`));
}
