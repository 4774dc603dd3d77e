// checkFleetHealth: page the instances that should be up, check each page with a bounded number
// of checks in flight, and write what they saw as they finish. The heartbeat carries the last id
// of a finished page and the running totals, so a retry after a dead worker starts from there;
// rows of the page it died in that were already written carry this sweep's id and are skipped.
// Only the checks in flight when the worker died are made again (their results were never kept).
import { CancelledFailure, Context } from '@temporalio/activity';
import type { HealthSweepReport } from '../workflows/fleet-types';
import { mapBounded } from './bounded-map';
import type { ActivityDeps } from './deps';
import { checkGateway, describeServer } from './fleet-health-check';
import { nextHealth } from './fleet-health-rule';
import { pageSweepRows, saveCheckedRows, type CheckedRow, type SweepRow } from './fleet-health-store';
import { heartbeat, previousHeartbeat } from './keep-alive';

export type SweepDeps = Pick<ActivityDeps, 'db' | 'hetzner' | 'fleet' | 'domain'>;

type SweepTotals = Omit<HealthSweepReport, 'sweepId'>;

/** What the sweep heartbeats: the last instance id of a finished page, and the totals so far. */
export interface SweepProgress {
  cursor: string;
  totals: SweepTotals;
}

/** Pages hold a few windows of checks, so a page's slowest check rarely holds up the next page. */
const WINDOWS_PER_PAGE = 4;

export async function checkFleetHealth(deps: SweepDeps, input: { sweepId: string }): Promise<HealthSweepReport> {
  const resumed = previousHeartbeat<SweepProgress>();
  let cursor = resumed?.cursor ?? '';
  const totals: SweepTotals = { checked: 0, healthy: 0, failing: 0, alreadyChecked: 0, changes: 0, ...resumed?.totals };
  const pageSize = deps.fleet.checkConcurrency * WINDOWS_PER_PAGE;
  for (;;) {
    throwIfCancelled();
    const rows = await pageSweepRows(deps.db, cursor, pageSize);
    if (rows.length === 0) break;
    await sweepPage(deps, input.sweepId, rows, totals);
    cursor = rows.at(-1)!.target.instanceId;
    // A copy: the keep-alive re-sends these details later, and the totals go on changing.
    heartbeat({ cursor, totals: { ...totals } } satisfies SweepProgress);
    if (rows.length < pageSize) break;
  }
  return { sweepId: input.sweepId, ...totals };
}

async function sweepPage(deps: SweepDeps, sweepId: string, rows: SweepRow[], totals: SweepTotals): Promise<void> {
  const unchecked = rows.filter((row) => row.lastSweepId !== sweepId);
  totals.alreadyChecked += rows.length - unchecked.length;
  const writer = checkedRowWriter(deps, sweepId, totals);
  await mapBounded(unchecked, deps.fleet.checkConcurrency, async (row) => writer.add(await checkRow(deps, row)));
  await writer.flush();
}

/**
 * Group commit: a finished check is written at once if no write is under way, else with the
 * others that finished meanwhile (one statement each time). Checks never wait for the database,
 * and a worker that dies loses only the checks still in flight.
 */
function checkedRowWriter(deps: SweepDeps, sweepId: string, totals: SweepTotals) {
  let buffer: CheckedRow[] = [];
  let writing: Promise<void> | undefined;
  let failure: unknown;
  const drain = async (): Promise<void> => {
    try {
      while (buffer.length > 0) {
        const rows = buffer;
        buffer = [];
        countWritten(totals, rows, await saveCheckedRows(deps.db, sweepId, rows));
      }
    } catch (error) {
      failure ??= error;
    } finally {
      writing = undefined;
    }
  };
  return {
    add(row: CheckedRow): void {
      if (failure) throw failure;
      buffer.push(row);
      writing ??= drain();
    },
    async flush(): Promise<void> {
      while (writing) await writing;
      if (failure) throw failure;
    },
  };
}

function countWritten(totals: SweepTotals, rows: CheckedRow[], written: Set<string>): void {
  for (const row of rows) {
    // Not written: an attempt of this sweep still running elsewhere (a worker presumed dead) got there first.
    if (!written.has(row.instanceId)) {
      totals.alreadyChecked += 1;
      continue;
    }
    totals.checked += 1;
    totals[row.ok ? 'healthy' : 'failing'] += 1;
    totals.changes += row.changes.length;
  }
}

/** One instance: its gateway, then the counting rule; Hetzner is asked only when a failure changes its health. */
async function checkRow(deps: SweepDeps, row: SweepRow): Promise<CheckedRow> {
  const check = await checkGateway(deps, row.target);
  const checkedAt = new Date();
  let reason = `${check.url}: ${check.seen}`;
  let step = nextHealth(row.memory, { ok: check.ok, reason, checkedAt }, deps.fleet);
  if (!check.ok && step.changes.length > 0) {
    reason = `${reason}; ${await describeServer(deps, row.target.serverId)}`;
    step = nextHealth(row.memory, { ok: check.ok, reason, checkedAt }, deps.fleet);
  }
  return { instanceId: row.target.instanceId, ...step, ok: check.ok, reason, checkedAt };
}

/** Stop between pages when Temporal cancels the activity (the schedule's run was cancelled or timed out). */
function throwIfCancelled(): void {
  let signal: AbortSignal | undefined;
  try {
    signal = Context.current().cancellationSignal;
  } catch {
    return; // called directly, not as an activity
  }
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('health sweep cancelled');
}
