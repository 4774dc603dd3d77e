// The read model's one writer for what the workflows know: instance status and resources,
// operation rows, and an audit event. One transaction per call, once per event key: the key is
// claimed first, so a record whose key is already written (or being written by another
// transaction) changes nothing, and a retried attempt, a stale one still running after its
// heartbeat timeout, or a record sent again (revision 4's "operation started":
// activities/record-first.ts) never writes over what came after it. Provider activities write
// nothing here: they return what they created and the workflow records it.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { events, instances, operations } from '../schema/tables';
import type { Resources } from '../workflows/domain';
import { FINAL_OPERATION_STATUSES, isFinalOperationStatus } from '../workflows/statuses';
import type { RecordFirst, TransitionRecord } from '../workflows/transition-record';
import type { ActivityDeps } from './deps';
import { reserveOperation, type OperationReservation } from './operation-reservations';
import { replaceSnapshots } from './snapshot-records';

export type RecordDeps = Pick<ActivityDeps, 'db'>;

type InstancePatch = Partial<typeof instances.$inferInsert>;
type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export function createRecordActivities(deps: RecordDeps) {
  return {
    /**
     * An operation's step: its rows, the instance's status and resources, and the audit event.
     * `recordFirst` (revision 4's "operation started", carried by the entity's write after the
     * child) is written first, in the same transaction: on a worker without the recordFirst
     * interceptor, or after the child's own copy failed, the end still brings it, and never
     * without it.
     */
    async recordTransition(input: TransitionRecord & RecordFirst): Promise<void> {
      const { recordFirst, ...record } = input;
      await deps.db.transaction(async (tx) => {
        if (recordFirst) await writeOnce(tx, recordFirst);
        await writeOnce(tx, record);
      });
    },

    /** What a provider activity created or changed (server, IP, DNS record, type, location), as soon as it exists. */
    async recordResources(input: { instanceId: string; resources: Resources }): Promise<void> {
      await deps.db
        .update(instances)
        .set({ ...resourcesPatch(input.resources), updatedAt: new Date() })
        .where(eq(instances.id, input.instanceId));
    },

    /**
     * Make the instance's single-use callback token usable once more (api/callback-use.ts): a
     * rebuild boots cloud-init again, which calls back `ready` (or `failed`) with the same token.
     */
    async armReadyCallback(input: { instanceId: string }): Promise<void> {
      await deps.db.update(instances).set({ callbackUsedAt: null }).where(eq(instances.id, input.instanceId));
    },

    /** An operation the entity queues itself (dunning): its number and queued row, once per reservation key. */
    async reserveOperation(input: OperationReservation): Promise<{ operationId: string; seq: number }> {
      return reserveOperation(deps.db, input);
    },
  };
}

/** One record, unless its event key is taken. */
async function writeOnce(tx: Transaction, record: TransitionRecord): Promise<void> {
  // Claim the key before touching anything: a concurrent writer of the same key waits on the
  // unique index (events_dedupe_key) until this transaction ends, then finds it taken. A check
  // before writing let both pass, and the later one wrote over what came after it.
  const [claimed] = await tx
    .insert(events)
    .values({ instanceId: record.instanceId, operationId: record.currentOperationId ?? record.operations?.[0]?.request.operationId ?? null, kind: record.event.kind, message: record.event.message, data: record.event.data ?? {}, dedupeKey: record.event.key })
    .onConflictDoNothing({ target: events.dedupeKey })
    .returning({ id: events.id });
  if (!claimed) return;
  const now = new Date();
  if (!(await upsertOperations(tx, record, now))) {
    // Older than the operation's end (under a key of its own): its instance status is stale too.
    await tx.delete(events).where(eq(events.id, claimed.id));
    return;
  }
  await tx.update(instances).set(transitionPatch(record, now)).where(eq(instances.id, record.instanceId));
  if (record.snapshots) await replaceSnapshots(tx, record.instanceId, record.snapshots);
}

/** false when the record would move a finished operation back to `running` (it then writes none). */
async function upsertOperations(tx: Transaction, input: TransitionRecord, now: Date): Promise<boolean> {
  let current = true;
  for (const op of input.operations ?? []) {
    const row = {
      id: op.request.operationId,
      instanceId: input.instanceId,
      seq: op.request.seq,
      type: op.request.type,
      status: op.status,
      args: op.request.args as Record<string, unknown>,
      idempotencyKey: op.request.idempotencyKey ?? null,
      workflowId: op.workflowId,
      requestedBy: op.request.requestedBy,
      error: op.error ?? null,
      startedAt: op.status === 'running' ? now : null,
      finishedAt: isFinalOperationStatus(op.status) ? now : null,
    };
    const written = await tx
      .insert(operations)
      .values(row)
      .onConflictDoUpdate({
        target: operations.id,
        set: {
          status: row.status,
          error: row.error,
          startedAt: sql`coalesce(${operations.startedAt}, excluded.started_at)`,
          finishedAt: row.finishedAt,
          updatedAt: now,
        },
        // A finished operation never runs again: a "running" that arrives after the end is stale.
        setWhere: sql`not (${operations.status} in ${FINAL_OPERATION_STATUSES} and excluded.status = 'running')`,
      })
      .returning({ id: operations.id });
    if (written.length === 0) current = false;
  }
  return current;
}

function transitionPatch(input: TransitionRecord, now: Date): InstancePatch {
  const patch: InstancePatch = { status: input.status, updatedAt: now, ...resourcesPatch(input.resources ?? {}) };
  if (input.plan !== undefined) patch.plan = input.plan;
  if (input.lastError !== undefined) patch.lastError = input.lastError;
  if (input.currentOperationId !== undefined) patch.currentOperationId = input.currentOperationId;
  if (input.openclawVersion !== undefined) patch.openclawVersion = input.openclawVersion;
  if (input.billing) {
    patch.billingState = input.billing.state;
    patch.graceUntil = input.billing.graceUntil === null ? null : new Date(input.billing.graceUntil);
  }
  return patch;
}

/** Only the resources that are known: an absent field never blanks a column. */
function resourcesPatch(resources: Resources): InstancePatch {
  const patch: InstancePatch = {};
  if (resources.serverId !== undefined) patch.serverId = resources.serverId;
  if (resources.ipAddress !== undefined) patch.ipAddress = resources.ipAddress;
  if (resources.dnsRecordId !== undefined) patch.dnsRecordId = resources.dnsRecordId;
  if (resources.serverType !== undefined) patch.serverType = resources.serverType;
  if (resources.location !== undefined) patch.location = resources.location;
  return patch;
}
