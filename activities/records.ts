// Keeps the API's read model in step with the entity workflow: instance status, operation rows,
// and an audit event. One transaction per call, idempotent (upserts and a dedupe key), so a
// retried attempt changes nothing the first one already wrote.
import { eq, sql } from 'drizzle-orm';
import { isFinalOperationStatus } from '../workflows/statuses';
import type { TransitionRecord } from '../workflows/transition-record';
import { events, instances, operations } from '../schema/tables';
import type { ActivityDeps } from './deps';

export function createRecordActivities(deps: ActivityDeps) {
  return {
    async recordTransition(input: TransitionRecord): Promise<void> {
      await deps.db.transaction(async (tx) => {
        const now = new Date();
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
        const patch: Partial<typeof instances.$inferInsert> = { status: input.status, updatedAt: now };
        if (input.plan !== undefined) patch.plan = input.plan;
        if (input.lastError !== undefined) patch.lastError = input.lastError;
        if (input.currentOperationId !== undefined) patch.currentOperationId = input.currentOperationId;
        if (input.openclawVersion !== undefined) patch.openclawVersion = input.openclawVersion;
        const r = input.resources;
        if (r?.serverId !== undefined) patch.serverId = r.serverId;
        if (r?.ipAddress !== undefined) patch.ipAddress = r.ipAddress;
        if (r?.dnsRecordId !== undefined) patch.dnsRecordId = r.dnsRecordId;
        if (r?.serverType !== undefined) patch.serverType = r.serverType;
        if (r?.location !== undefined) patch.location = r.location;
        await tx.update(instances).set(patch).where(eq(instances.id, input.instanceId));
        await tx
          .insert(events)
          .values({ instanceId: input.instanceId, operationId: input.currentOperationId ?? input.operations?.[0]?.request.operationId ?? null, kind: input.event.kind, message: input.event.message, data: input.event.data ?? {}, dedupeKey: input.event.key })
          .onConflictDoNothing();
      });
    },
  };
}
