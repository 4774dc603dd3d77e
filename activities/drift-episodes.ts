// The episode book in drift_findings: one open row per finding key (migration 0005's partial
// unique index). A sweep opens the rows of its new findings, touches the open ones it saw again
// and resolves the open ones it did not see. The sweep that opened or resolved a row is kept in
// its details, so the same sweep run twice answers the same: its new findings are still new, its
// resolved ones still resolved.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DriftFinding } from '../workflows/fleet-types';
import type { Database } from '../schema/db';
import { driftFindings } from '../schema/tables';
import type { Observed } from './drift-compare';

interface EpisodeDetails extends Observed {
  firstSweepId?: string;
  resolvedBySweepId?: string;
}

/** Open keys, each with the sweep that opened it. */
export async function readOpenEpisodes(db: Database): Promise<Map<string, string | undefined>> {
  const rows = await db
    .select({ key: driftFindings.key, firstSweepId: sql<string | null>`${driftFindings.details}->>'firstSweepId'` })
    .from(driftFindings)
    .where(isNull(driftFindings.resolvedAt));
  return new Map(rows.map((r) => [r.key, r.firstSweepId ?? undefined]));
}

export interface SweepRecord {
  sweepId: string;
  /** New findings this sweep acts on: their episodes open. */
  toOpen: Observed[];
  /** Everything the sweep saw (acted on or not): these episodes stay open. */
  seen: Observed[];
  /** Live instances the sweep did not compare (attention, an operation in flight): their episodes stay open too. */
  notCompared?: string[];
}

export interface SweepOutcome {
  /** Every open episode after the sweep: key → drift_findings.id. */
  openEpisodes: Map<string, number>;
  /** Episodes this sweep resolved (on a second run of the same sweep: the same ones). */
  resolved: DriftFinding[];
}

/** Open, touch and resolve in one transaction. */
export async function recordSweep(db: Database, record: SweepRecord): Promise<SweepOutcome> {
  return db.transaction(async (tx) => {
    await openEpisodes(tx, record);
    await touchEpisodes(tx, record);
    await tx
      .update(driftFindings)
      .set({ resolvedAt: sql`now()`, details: sql`${driftFindings.details} || jsonb_build_object('resolvedBySweepId', ${record.sweepId}::text)` })
      .where(
        and(
          isNull(driftFindings.resolvedAt),
          sql`not (${driftFindings.key} in (select jsonb_array_elements_text(${JSON.stringify(record.seen.map((f) => f.key))}::jsonb)))`,
          sql`(${driftFindings.instanceId} is null or not (${driftFindings.instanceId} in (select jsonb_array_elements_text(${JSON.stringify(record.notCompared ?? [])}::jsonb))))`,
        ),
      );
    const resolved = await tx
      .select({ id: driftFindings.id, details: driftFindings.details })
      .from(driftFindings)
      .where(eq(sql`${driftFindings.details}->>'resolvedBySweepId'`, record.sweepId))
      .orderBy(driftFindings.id);
    const open = await tx.select({ id: driftFindings.id, key: driftFindings.key }).from(driftFindings).where(isNull(driftFindings.resolvedAt));
    return { openEpisodes: new Map(open.map((r) => [r.key, r.id])), resolved: resolved.map((r) => asResolved(r.id, r.details as unknown as EpisodeDetails)) };
  });
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

async function openEpisodes(tx: Tx, { sweepId, toOpen }: SweepRecord): Promise<void> {
  if (toOpen.length === 0) return;
  await tx
    .insert(driftFindings)
    .values(toOpen.map((f) => ({ key: f.key, kind: f.kind, instanceId: f.instanceId ?? null, details: { ...f, firstSweepId: sweepId }, lastSweepId: sweepId })))
    .onConflictDoNothing({ target: driftFindings.key, where: sql`resolved_at is null` });
}

/** One statement for every seen key: the details follow what was seen (age, action), the opening sweep stays. */
async function touchEpisodes(tx: Tx, { sweepId, seen }: SweepRecord): Promise<void> {
  if (seen.length === 0) return;
  const rows = JSON.stringify(seen.map((f) => ({ key: f.key, details: f })));
  await tx.execute(sql`
    update drift_findings d
       set last_seen_at = now(),
           last_sweep_id = ${sweepId},
           details = v.details || jsonb_build_object('firstSweepId', d.details->'firstSweepId')
      from jsonb_to_recordset(${rows}::jsonb) as v(key text, details jsonb)
     where d.key = v.key and d.resolved_at is null`);
}

function asResolved(episodeId: number, details: EpisodeDetails): DriftFinding {
  const { firstSweepId: _opened, resolvedBySweepId: _resolved, ...finding } = details;
  return { ...finding, isNew: false, episodeId, message: `no longer seen: ${finding.message}` };
}
