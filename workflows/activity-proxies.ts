// Activity options, declared once: one retry policy per kind of behaviour, each proxy typed to the
// activities that policy may run, so calling an activity under the wrong policy fails type-checking.
// Tests may shorten the back-off (OperationTimings.retry); production keeps these.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperationTimings, RetryTuning } from './domain';

// Every policy has a short heartbeat timeout: the worker's keep-alive (activities/keep-alive.ts)
// heartbeats every running activity, so a worker that dies mid-activity is noticed within 2 s and
// the attempt is retried elsewhere, whichever activity it was. 2 s rather than 5 s took recovery
// after a SIGKILL from 8.3 s to under 5 s (README, Benchmarks); the price is one heartbeat per
// 1.6 s of a long wait instead of one per 4 s (billable on Temporal Cloud).
const HEARTBEAT_TIMEOUT = '2s';

const POLICIES = {
  /** One provider request (create, look up, DNS). Transient errors retry with back-off; after the
   * last attempt the instance goes to `attention` for an operator, it never loops forever. */
  shortCall: {
    startToCloseTimeout: '30s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  },
  /** Waiting on Hetzner (actions, power state). Each poll heartbeats its progress, so the retry
   * after a dead worker resumes from the last heartbeat. */
  longWait: {
    startToCloseTimeout: '30m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  },
  /** E-mail and billing webhook: deduplicated in Postgres, so retries are safe and may be many. */
  dedupedNotice: {
    startToCloseTimeout: '30s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 12 },
  },
  /** Undoing a failed provision must not give up early: something billable may still exist. */
  persistentUndo: {
    startToCloseTimeout: '5m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 25 },
  },
  /** Writes to the read model: Postgres hiccups are retried for minutes before anyone is bothered. */
  dbWrite: {
    startToCloseTimeout: '10s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 30 },
  },
  /** A fleet sweep's long step (check every instance, compare the providers): it heartbeats its
   * cursor, so a retry after a dead worker resumes; a sweep that keeps failing gives up and the
   * schedule's next run starts afresh. */
  sweep: {
    startToCloseTimeout: '10m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  },
  /** Posting an operator alert: retried for as long as the alert workflow lives (a day), never
   * blocking anything, since no lifecycle waits for it. */
  alertDelivery: {
    startToCloseTimeout: '30s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m' },
  },
} satisfies Record<string, ActivityOptions>;

/** Which activities each policy may run. */
interface PolicyActivities {
  shortCall: Pick<
    Activities,
    'createServer' | 'ensureDnsRecord' | 'deleteDnsRecord' | 'checkResize' | 'ensureSshKeys' | 'ensureFirewall' | 'deleteFirewall' | 'deleteUnusedSshKeys' | 'deleteSnapshot'
  >;
  longWait: Pick<
    Activities,
    | 'waitForServerRunning'
    | 'stopServer'
    | 'startServer'
    | 'rebootServer'
    | 'changeServerType'
    | 'snapshotServer'
    | 'deleteServer'
    | 'enableBackup'
    | 'rebuildServer'
    | 'resetRootPassword'
    | 'takeSnapshot'
  >;
  dedupedNotice: Pick<Activities, 'sendEmail' | 'notifyBilling' | 'notifyCustomerAndBilling'>;
  persistentUndo: Pick<Activities, 'deleteDnsRecord' | 'deleteServer' | 'deleteFirewall' | 'deleteUnusedSshKeys'>;
  dbWrite: Pick<Activities, 'recordTransition' | 'recordResources' | 'armReadyCallback' | 'reserveOperation'>;
  sweep: Pick<Activities, 'checkFleetHealth' | 'deliverHealthChanges' | 'findDrift'>;
  alertDelivery: Pick<Activities, 'deliverAlert'>;
  /** Drift repairs are single provider calls. */
  repair: Pick<Activities, 'repairDnsRecord' | 'deleteOrphan'>;
}

export type ActivityProxies = { [P in keyof PolicyActivities]: ReturnType<typeof proxyActivities<PolicyActivities[P]>> };

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
export function activitiesFor(timings: Pick<Partial<OperationTimings>, 'retry'> | undefined): ActivityProxies {
  const retry = timings?.retry;
  return {
    shortCall: proxyActivities<PolicyActivities['shortCall']>(tuned(POLICIES.shortCall, retry)),
    longWait: proxyActivities<PolicyActivities['longWait']>(tuned(POLICIES.longWait, retry)),
    dedupedNotice: proxyActivities<PolicyActivities['dedupedNotice']>(tuned(POLICIES.dedupedNotice, retry)),
    persistentUndo: proxyActivities<PolicyActivities['persistentUndo']>(tuned(POLICIES.persistentUndo, retry)),
    dbWrite: proxyActivities<PolicyActivities['dbWrite']>(tuned(POLICIES.dbWrite, retry)),
    sweep: proxyActivities<PolicyActivities['sweep']>(tuned(POLICIES.sweep, retry)),
    alertDelivery: proxyActivities<PolicyActivities['alertDelivery']>(tuned(POLICIES.alertDelivery, retry)),
    repair: proxyActivities<PolicyActivities['repair']>(tuned(POLICIES.shortCall, retry)),
  };
}
