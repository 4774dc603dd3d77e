// The read model's one writer for what the workflows know: instance status and resources,
// operation rows, and an audit event. One transaction per call, idempotent by the event's dedupe
// key: a record whose key is already written changes nothing, so a retried attempt (or a record
// sent again, as revision 4's "operation started" may be: activities/record-first.ts) never writes
// over what came after it. Provider activities write nothing here: they return what they created
// and the workflow records it.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { events, instances, operations } from '../schema/tables';
import type { Resources } from '../workflows/domain';
import { isFinalOperationStatus } from '../workflows/statuses';
import type { TransitionRecord } from '../workflows/transition-record';
import type { ActivityDeps } from './deps';
import { reserveOperation, type OperationReservation } from './operation-reservations';
import { replaceSnapshots } from './snapshot-records';

export type RecordDeps = Pick<ActivityDeps, 'db'>;

type InstancePatch = Partial<typeof instances.$inferInsert>;
type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export function createRecordActivities(deps: RecordDeps) {
  return {
    /** An operation's step: its rows, the instance's status and resources, and the audit event. */
    async recordTransition(input: TransitionRecord): Promise<void> {
      await deps.db.transaction(async (tx) => {
        // The event is inserted last, in the same transaction: its key written means all of it is.
        const [written] = await tx.select({ id: events.id }).from(events).where(eq(events.dedupeKey, input.event.key)).limit(1);
        if (written) return;
        const now = new Date();
        await upsertOperations(tx, input, now);
        await tx.update(instances).set(transitionPatch(input, now)).where(eq(instances.id, input.instanceId));
        if (input.snapshots) await replaceSnapshots(tx, input.instanceId, input.snapshots);
        await tx
          .insert(events)
          .values({ instanceId: input.instanceId, operationId: input.currentOperationId ?? input.operations?.[0]?.request.operationId ?? null, kind: input.event.kind, message: input.event.message, data: input.event.data ?? {}, dedupeKey: input.event.key })
          .onConflictDoNothing();
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

async function upsertOperations(tx: Transaction, input: TransitionRecord, now: Date): Promise<void> {
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
    await tx
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
      });
  }
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
