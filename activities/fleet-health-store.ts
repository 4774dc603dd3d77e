// instance_health for the sweep: a page of the instances that should be up, with what the table
// remembers of each, and one upsert per page of what the checks saw. The upsert skips rows this
// sweep already wrote (last_sweep_id), so an attempt that overlaps a dead one never counts an
// instance twice, and it appends to `pending` rather than replacing it, so changes not yet
// delivered survive.
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instanceHealth, instances } from '../schema/tables';
import type { HealthChange, HealthStatus } from '../workflows/fleet-types';
import type { HealthTarget } from './fleet-health-check';
import type { HealthMemory } from './fleet-health-rule';

export interface SweepRow {
  target: HealthTarget;
  /** Undefined for an instance never checked. */
  memory: HealthMemory | undefined;
  lastSweepId: string | null;
}

export interface CheckedRow {
  instanceId: string;
  next: HealthMemory;
  changes: HealthChange[];
  ok: boolean;
  reason: string;
  checkedAt: Date;
}

/** Running instances with no operation in flight, after `afterId` in id order (keyset paging). */
export async function pageSweepRows(db: Database, afterId: string, limit: number): Promise<SweepRow[]> {
  const rows = await db
    .select({
      instanceId: instances.id,
      subdomain: instances.subdomain,
      ipAddress: instances.ipAddress,
      serverId: instances.serverId,
      status: instanceHealth.status,
      consecutiveFailures: instanceHealth.consecutiveFailures,
      episode: instanceHealth.episode,
      rebootsInEpisode: instanceHealth.rebootsInEpisode,
      lastSweepId: instanceHealth.lastSweepId,
    })
    .from(instances)
    .leftJoin(instanceHealth, eq(instanceHealth.instanceId, instances.id))
    .where(and(eq(instances.status, 'running'), isNull(instances.currentOperationId), gt(instances.id, afterId)))
    .orderBy(asc(instances.id))
    .limit(limit);
  return rows.map((r) => ({
    target: { instanceId: r.instanceId, subdomain: r.subdomain, ipAddress: r.ipAddress, serverId: r.serverId },
    memory: r.status === null ? undefined : { status: r.status as HealthStatus, consecutiveFailures: r.consecutiveFailures!, episode: r.episode!, rebootsInEpisode: r.rebootsInEpisode! },
    lastSweepId: r.lastSweepId,
  }));
}

/** Write a page's outcomes in one statement; answers the ids actually written (not already written by this sweep). */
export async function saveCheckedRows(db: Database, sweepId: string, rows: CheckedRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const written = await db
    .insert(instanceHealth)
    .values(rows.map((row) => toInsert(sweepId, row)))
    .onConflictDoUpdate({
      target: instanceHealth.instanceId,
      set: {
        status: excluded('status'),
        consecutiveFailures: excluded('consecutive_failures'),
        episode: excluded('episode'),
        rebootsInEpisode: excluded('reboots_in_episode'),
        lastCheckedAt: excluded('last_checked_at'),
        lastOkAt: sql`coalesce(excluded.last_ok_at, ${instanceHealth.lastOkAt})`,
        lastError: excluded('last_error'),
        lastSweepId: excluded('last_sweep_id'),
        pending: sql`${instanceHealth.pending} || excluded.pending`,
        updatedAt: excluded('updated_at'),
      },
      setWhere: sql`${instanceHealth.lastSweepId} is distinct from excluded.last_sweep_id`,
    })
    .returning({ instanceId: instanceHealth.instanceId });
  return new Set(written.map((w) => w.instanceId));
}

function toInsert(sweepId: string, row: CheckedRow): typeof instanceHealth.$inferInsert {
  return {
    instanceId: row.instanceId,
    ...row.next,
    lastCheckedAt: row.checkedAt,
    lastOkAt: row.ok ? row.checkedAt : null,
    lastError: row.ok ? null : row.reason,
    lastSweepId: sweepId,
    pending: row.changes,
    updatedAt: row.checkedAt,
  };
}
