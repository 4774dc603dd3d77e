// Waiting inside an activity: poll, heartbeat every round so a dead worker is noticed within the
// heartbeat timeout, and stop promptly when Temporal cancels the activity.
import { Context } from '@temporalio/activity';

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

/** Heartbeat when running as an activity; a no-op when called directly (unit tests). */
export function heartbeat(details?: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // not inside an activity
  }
  lastDetails.set(context, details);
  context.heartbeat(details);
}

// The details each running activity last heartbeated, so the keep-alive (keep-alive.ts) can repeat
// them instead of wiping the progress a retry would resume from.
const lastDetails = new WeakMap<Context, unknown>();

/** What `context`'s activity last heartbeated, or what its previous attempt left. */
export function lastHeartbeatDetails(context: Context): unknown {
  return lastDetails.has(context) ? lastDetails.get(context) : context.info.heartbeatDetails;
}

/** The heartbeat a previous attempt left, so a retry resumes instead of starting over. */
export function previousHeartbeat<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  try {
    return Context.current().sleep(ms);
  } catch {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
