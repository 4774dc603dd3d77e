// Activity options, declared once: one policy per kind of activity, shared by every operation
// workflow. Tests may shorten the back-off (OperationTimings.retry); production keeps these.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperationTimings, RetryTuning } from './domain';

// Every policy has a short heartbeat timeout: the worker's keep-alive (activities/keep-alive.ts)
// heartbeats every running activity, so a worker that dies mid-activity is noticed in seconds and
// the attempt is retried elsewhere, whichever activity it was.
const HEARTBEAT_TIMEOUT = '5s';

const POLICIES = {
  /** Quick provider calls (create, delete, DNS). Transient errors retry with back-off; after the
   * last attempt the instance goes to `attention` for an operator, it never loops forever. */
  provider: {
    startToCloseTimeout: '30s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  },
  /** Activities that wait on Hetzner (actions, power state). They heartbeat every poll with their
   * progress, so the retry after a dead worker resumes from the last heartbeat. */
  waits: {
    startToCloseTimeout: '30m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  },
  /** E-mail and billing webhook: deduplicated in Postgres, so retries are safe and may be many. */
  notify: {
    startToCloseTimeout: '30s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 12 },
  },
  /** Undoing a failed provision must not give up early: something billable may still exist. */
  compensation: {
    startToCloseTimeout: '5m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 25 },
  },
  /** The read model: Postgres hiccups are retried for minutes before anyone is bothered. */
  records: {
    startToCloseTimeout: '10s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 30 },
  },
} satisfies Record<string, ActivityOptions>;

type Proxies = { [K in keyof typeof POLICIES]: ReturnType<typeof proxyActivities<Activities>> };

function tuned(options: ActivityOptions, retry: RetryTuning | undefined): ActivityOptions {
  if (!retry) return options;
  return {
    ...options,
    retry: {
      ...options.retry,
      initialInterval: retry.initialIntervalMs,
      maximumInterval: retry.maximumIntervalMs,
      ...(retry.maximumAttempts !== undefined ? { maximumAttempts: retry.maximumAttempts } : {}),
    },
  };
}

/** The activity proxies for one workflow, with its timings' retry tuning (if any). */
export function activitiesFor(timings: Pick<Partial<OperationTimings>, 'retry'> | undefined): Proxies {
  const retry = timings?.retry;
  return {
    provider: proxyActivities<Activities>(tuned(POLICIES.provider, retry)),
    waits: proxyActivities<Activities>(tuned(POLICIES.waits, retry)),
    notify: proxyActivities<Activities>(tuned(POLICIES.notify, retry)),
    compensation: proxyActivities<Activities>(tuned(POLICIES.compensation, retry)),
    records: proxyActivities<Activities>(tuned(POLICIES.records, retry)),
  };
}
