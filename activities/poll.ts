// Waiting inside an activity: poll, heartbeat every round so a dead worker is noticed within the
// heartbeat timeout, and stop promptly when Temporal cancels the activity.
import { Context } from '@temporalio/activity';
import { heartbeat } from './keep-alive';

export async function pollUntil<T>(
  read: () => Promise<T | undefined>,
  options: { intervalMs: number; timeoutMs?: number; heartbeat?: unknown },
): Promise<T | undefined> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    heartbeat(options.heartbeat);
    await sleep(Math.min(options.intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** Context.sleep ends early when Temporal cancels the activity; outside an activity (unit tests), a timer. */
function sleep(ms: number): Promise<void> {
  try {
    return Context.current().sleep(ms);
  } catch {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
