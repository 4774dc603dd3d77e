// Day two: what the fleet sweeps (health every 5 minutes, drift every hour) and the operator alerts
// pass between workflows and activities. Types only. The sweeps count and compare in Postgres and
// at the providers; an entity hears only a change (HealthChange, DriftNotice), so an idle instance
// still costs nothing in its own workflow.

export const HEALTH_STATUSES = ['unknown', 'healthy', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Who asks for the operations the monitors queue (the operations list's `requested_by`). */
export const HEALTH_MONITOR = 'health-monitor';
export const DRIFT_MONITOR = 'drift-monitor';

/**
 * Signalled to an entity when its health changes (never on a check that changes nothing):
 * `unhealthy` after N consecutive failures, `reboot_due` once per episode after M, `recovered`
 * on the first success after `unhealthy`.
 */
export interface HealthChange {
  /** `health:<episode>:<kind>`: the entity acts once per key, however often it is delivered. */
  key: string;
  kind: 'unhealthy' | 'reboot_due' | 'recovered';
  episode: number;
  consecutiveFailures: number;
  /** ISO time of the check that made the change. */
  checkedAt: string;
  /** What the check saw, for the event and the alert ("https://…/healthz: timed out after 5 s; Hetzner: running"). */
  reason: string;
}

export const DRIFT_KINDS = ['server_vanished', 'server_off', 'dns_missing', 'dns_mismatch', 'orphan_server', 'orphan_record'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/**
 * What the sweep does about a finding; findDrift decides it (from the DRIFT_* settings) so the
 * workflow only carries it out:
 * - attention: the entity is told (the server vanished) and queues a check that stops for an operator;
 * - power_on: the entity is told and queues a reboot that powers the server on (DRIFT_REPAIR_POWER=true);
 * - notify: the entity is told, nothing is changed (a server off, DRIFT_REPAIR_POWER unset);
 * - repair_dns: the record is upserted to the instance's address;
 * - delete_orphan: deleted (DRIFT_DELETE_ORPHANS=true and older than the grace period);
 * - alert_only: an orphan left alone.
 */
export type DriftAction = 'attention' | 'power_on' | 'notify' | 'repair_dns' | 'delete_orphan' | 'alert_only';

export interface DriftFinding {
  /** Stable for the episode: `<kind>:<resource id>`, e.g. `server_off:4711`, `dns_mismatch:<record id>`. */
  key: string;
  kind: DriftKind;
  action: DriftAction;
  /** True the first sweep it is seen (the episode opens: alert); false while it stays open. */
  isNew: boolean;
  /** drift_findings.id of the episode: a finding that comes back later is a new episode, alerted again. */
  episodeId: number;
  instanceId?: string;
  subdomain?: string;
  serverId?: number;
  recordId?: string;
  /** dns_*: the address the record should hold, and what it holds (none when missing). */
  expected?: string;
  found?: string;
  /** Orphans: when the provider created the resource, and how old it is. */
  createdAt?: string;
  ageSeconds?: number;
  /** One line for the Web UI and the alert. */
  message: string;
}

export interface DriftScan {
  /** Findings to act on this sweep (new ones, and open ones whose action repairs), at most a page. */
  findings: DriftFinding[];
  /** Episodes no longer seen: closed by this scan, alerted as resolved. */
  resolved: DriftFinding[];
  /** More findings than one sweep acts on: the rest wait for the next sweep. */
  truncated: boolean;
  counts: { servers: number; records: number; instances: number; open: number };
}

/** Told to an entity by the drift sweep: its server is gone or off, and Hostflow did not do it. */
export interface DriftNotice {
  /** The finding's key: the entity acts once per episode. */
  key: string;
  kind: 'server_vanished' | 'server_off';
  serverId: number;
  message: string;
  /** server_off: power it on (through a queued reboot); DRIFT_REPAIR_POWER. */
  repairPower: boolean;
}

export type AlertSeverity = 'critical' | 'warning' | 'resolved';
export type AlertKind = 'attention' | 'unhealthy' | 'health_reboot' | 'drift' | 'provision_failed';

/** One operator alert: a Slack-compatible webhook (`text` + these fields) and/or an e-mail. */
export interface Alert {
  /** One alert per episode: the alert workflow's id is `alert-<key>`; a resolved alert's key ends in `:resolved`. */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** One line, what the person at 3 a.m. reads first. */
  title: string;
  instanceId?: string;
  subdomain?: string;
  /** Ids, ages, the last error: plain values only, never a secret. */
  details: Record<string, string | number | boolean | null>;
  /** ISO time the condition was seen (the workflow's clock). */
  at: string;
}

export interface HealthSweepReport {
  sweepId: string;
  checked: number;
  healthy: number;
  failing: number;
  /** Instances a previous attempt of this sweep had already checked (a resumed sweep). */
  alreadyChecked: number;
  /** Health changes queued for entities by this sweep. */
  changes: number;
}

/** The activities the sweeps and alerts run (activities/fleet-health.ts, drift.ts, alerts.ts). */
export interface FleetActivities {
  /** Check every instance that should be up, in batches; heartbeats its cursor, so a retry resumes. */
  checkFleetHealth(input: { sweepId: string }): Promise<HealthSweepReport>;
  /** Signal every pending HealthChange to its entity, then clear it (an outbox: safe to run twice). */
  deliverHealthChanges(): Promise<{ delivered: number }>;
  /** Compare the providers with the read model; open, keep and resolve episodes in drift_findings. */
  findDrift(input: { sweepId: string }): Promise<DriftScan>;
  /** Upsert the instance's record to its address (re-checked first: the instance must still be live). */
  repairDnsRecord(finding: DriftFinding): Promise<string>;
  /** Delete an orphan server or record (re-checked first: still an orphan, still past the grace). */
  deleteOrphan(finding: DriftFinding): Promise<string>;
  /** POST the alert to ALERT_WEBHOOK_URL and/or e-mail it to ALERT_EMAIL. */
  deliverAlert(alert: Alert): Promise<string>;
}
