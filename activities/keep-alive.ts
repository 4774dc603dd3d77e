// Every activity heartbeats while it runs, even one that is a single provider call, so a worker
// killed in the middle of any activity is noticed within the heartbeat timeout (seconds) instead
// of the start-to-close timeout (up to minutes). Heartbeats are billable actions on Temporal Cloud:
// activities shorter than the first tick send none, and the SDK sends at most one per 4 s (80 % of
// the 5 s timeout) however often it is called. The keep-alive repeats the activity's own last
// details, so it never wipes the progress a retry resumes from.
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { lastHeartbeatDetails } from './poll';

/** Under the policies' 5 s heartbeat timeout (activity-proxies.ts), with room for a busy event loop. */
export const KEEP_ALIVE_INTERVAL_MS = 2_000;

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
