// Idle cost. (1) Billable actions per day of an idle running instance: what its entity history
// gains over a quiet window, and whether anything is armed to wake it (an open timer, a pending
// activity or child): with none, nothing can happen until someone sends a signal. (2) A worker's
// memory with many live instance workflows: a fresh worker process on a task queue of its own,
// instance workflows started there, then each queried once so the worker has loaded it; RSS and
// the main thread's heap after a GC.
import { randomUUID } from 'node:crypto';
import { countActions, fetchEvents } from './billable-actions';
import type { Harness } from './harness';
import { nowMs, round, sleep } from './stats';
import { INSTANCE_WORKFLOW_TYPE } from '../workflows/ids';
import { stateQuery } from '../workflows/messages';
import { instanceSearchAttributes } from '../workflows/search-attributes';

export interface IdleActionsResult {
  instanceId: string;
  windowSeconds: number;
  actionsInWindow: number;
  eventsInWindow: number;
  actionsPerDay: number;
  openTimers: number;
  pendingActivities: number;
  pendingChildren: number;
  target: { actionsPerDay: number };
}

export async function measureIdleActions(h: Harness, instanceId: string, windowMs: number): Promise<IdleActionsResult> {
  const workflowId = `instance-${instanceId}`;
  const before = await fetchEvents(h.client, workflowId);
  await sleep(windowMs);
  const after = await fetchEvents(h.client, workflowId);
  const description = await h.client.workflow.getHandle(workflowId).describe();
  const raw = description.raw;
  const closedTimers = new Set(
    after.flatMap((e) => [e.timerFiredEventAttributes?.startedEventId, e.timerCanceledEventAttributes?.startedEventId]).filter((id) => id !== null && id !== undefined).map(String),
  );
  const openTimers = after.filter((e) => e.timerStartedEventAttributes && !closedTimers.has(String(e.eventId))).length;
  const actionsInWindow = countActions(after).total - countActions(before).total;
  return {
    instanceId,
    windowSeconds: windowMs / 1000,
    actionsInWindow,
    eventsInWindow: after.length - before.length,
    actionsPerDay: round((actionsInWindow * 86_400_000) / windowMs, 0),
    openTimers,
    pendingActivities: raw.pendingActivities?.length ?? 0,
    pendingChildren: raw.pendingChildren?.length ?? 0,
    target: { actionsPerDay: 0 },
  };
}

export interface MemoryPoint {
  liveWorkflows: number;
  rssMiB: number;
  heapUsedMiB: number;
}

export interface IdleMemoryResult {
  maxCachedWorkflows: number | undefined;
  points: MemoryPoint[];
  /** Workflows started and loaded per second while filling. */
  fillRatePerSecond: number;
  /** Counts asked for but not reached within the time budget. */
  notReached: number[];
  target: { liveWorkflows: number; rssMiB: number };
  /** The same measurement with a smaller workflow cache (WORKER_MAX_CACHED_WORKFLOWS), in the same run. */
  smallerCache?: IdleMemoryResult;
}

const MiB = 1024 * 1024;

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** A query to a worker busy replaying thousands of evicted workflows may time out: ask again. */
async function queryUntilAnswered(h: Harness, workflowId: string, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await h.client.workflow.getHandle(workflowId).query(stateQuery);
      return;
    } catch (error) {
      if (attempt >= attempts) {
        const cause = (error as { cause?: unknown }).cause;
        throw new Error(`query ${workflowId} failed ${attempts} times: ${String(error)}${cause ? ` (${String(cause)})` : ''}`);
      }
      await sleep(1000 * attempt);
    }
  }
}

export async function measureIdleMemory(
  h: Harness,
  options: { counts: number[]; budgetMs: number; maxCachedWorkflows?: number; env?: Record<string, string>; log: (line: string) => void },
): Promise<IdleMemoryResult> {
  const taskQueue = `bench-idle-${randomUUID()}`;
  const env = { ...options.env, ...(options.maxCachedWorkflows === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows) }) };
  const worker = await h.startWorker('hostflow', { taskQueue, exposeGc: true, env });
  try {
    const measure = async (liveWorkflows: number): Promise<MemoryPoint> => {
      await sleep(1000); // let the last activations settle before the GC
      const m = await worker.memory();
      return { liveWorkflows, rssMiB: round(m.rssBytes / MiB), heapUsedMiB: round(m.heapUsedBytes / MiB) };
    };
    const points = [await measure(0)];
    const notReached: number[] = [];
    const deadline = nowMs() + options.budgetMs;
    let live = 0;
    let fillMs = 0;
    for (const count of options.counts) {
      if (nowMs() > deadline) {
        notReached.push(count);
        continue;
      }
      const ids = Array.from({ length: count - live }, () => randomUUID());
      const began = nowMs();
      // Start them all first (the dev server's start rate), then query each: a query is answered
      // by the worker, so once it returns the workflow has run its first task (cached or not).
      const startedIds: string[] = [];
      await inBatches(ids, 100, async (instanceId) => {
        if (nowMs() > deadline) return;
        await h.client.workflow.start(INSTANCE_WORKFLOW_TYPE, {
          workflowId: `instance-${instanceId}`,
          taskQueue,
          args: [{ instance: { instanceId, customerId: '4242', serviceId: '0', plan: 'starter', region: 'eu-frankfurt', subdomain: `idle-${instanceId.slice(0, 8)}`, sshKeys: [] } }],
          typedSearchAttributes: instanceSearchAttributes({ instanceId, customerId: '4242', plan: 'starter', region: 'eu-frankfurt' }, 'running', ''),
        });
        startedIds.push(instanceId);
      });
      let started = 0;
      await inBatches(startedIds, 50, async (instanceId) => {
        await queryUntilAnswered(h, `instance-${instanceId}`);
        started += 1;
      });
      fillMs += nowMs() - began;
      live += started;
      if (live < count) {
        notReached.push(count);
        options.log(`idle memory: reached ${live} of ${count} live workflows within the time budget`);
        points.push(await measure(live));
        continue;
      }
      points.push(await measure(live));
      options.log(`idle memory (cache ${worker.ready.maxCachedWorkflows}): ${live} live workflows, RSS ${points.at(-1)!.rssMiB} MiB`);
    }
    return {
      maxCachedWorkflows: worker.ready.maxCachedWorkflows,
      points,
      fillRatePerSecond: round(live / (fillMs / 1000), 0),
      notReached,
      target: { liveWorkflows: 10_000, rssMiB: 300 },
    };
  } finally {
    await worker.stop();
  }
}
