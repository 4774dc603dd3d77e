// Every activity heartbeats while it runs, even one that is a single provider call, so a worker
// killed in the middle of any activity is noticed within the heartbeat timeout (seconds) instead
// of the start-to-close timeout (up to minutes). Heartbeats are billable actions on Temporal Cloud:
// activities shorter than the first tick send none, and the SDK sends at most one per 1.6 s (80 % of
// the 2 s timeout) however often it is called. The keep-alive repeats the activity's own last
// details, so it never wipes the progress a retry resumes from: activities heartbeat through
// `heartbeat` below, which remembers what they sent.
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** Half the policies' 2 s heartbeat timeout (activity-proxies.ts): the SDK flushes the latest call at
 * the end of each 1.6 s window, so an event loop stalled for up to ~2 s still keeps the activity alive. */
export const KEEP_ALIVE_INTERVAL_MS = 1_000;

// The details each running activity last heartbeated, read back by the keep-alive.
const lastDetails = new WeakMap<Context, unknown>();

/** Heartbeat (and remember) `details` when running as an activity; a no-op when called directly (unit tests). */
export function heartbeat(details?: unknown): void {
  const context = currentContext();
  if (!context) return;
  lastDetails.set(context, details);
  context.heartbeat(details);
}

/** What `context`'s activity last heartbeated, or what its previous attempt left. */
export function lastHeartbeatDetails(context: Context): unknown {
  return lastDetails.has(context) ? lastDetails.get(context) : context.info.heartbeatDetails;
}

/** The heartbeat a previous attempt left, so a retry resumes instead of starting over. */
export function previousHeartbeat<T>(): T | undefined {
  return currentContext()?.info.heartbeatDetails as T | undefined;
}

export const keepAliveInterceptor: ActivityInterceptorsFactory = (context: Context) => ({
  inbound: {
    async execute(input, next) {
      // Only activities scheduled with a heartbeat timeout can be timed out by a missing heartbeat.
      if (!context.info.heartbeatTimeoutMs) return next(input);
      const timer = setInterval(() => context.heartbeat(lastHeartbeatDetails(context)), KEEP_ALIVE_INTERVAL_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity
  }
}
