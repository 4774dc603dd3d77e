// Activity options, declared once: one proxy per retry policy, shared by every operation workflow.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Quick provider calls (create, delete, DNS). Transient errors retry with back-off; after the
 * last attempt the instance goes to `attention` for an operator, it never loops forever. */
export const provider = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/** Activities that wait on Hetzner (actions, power state). They heartbeat every poll, so a dead
 * worker is noticed in seconds and the retry resumes from the last heartbeat. */
export const waits = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/** E-mail and billing webhook: deduplicated in Postgres, so retries are safe and may be many. */
export const notify = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 12 },
});

/** Undoing a failed provision must not give up early: something billable may still exist. */
export const compensation = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 25 },
});

/** The read model: Postgres hiccups are retried for minutes before anyone is bothered. */
export const records = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 30 },
});
