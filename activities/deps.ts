// What activities need from the outside world; the worker wires real clients, tests wire the sandbox.
import type { Transporter } from 'nodemailer';
import type { Catalog } from '../config/catalog';
import type { Database } from '../schema/db';
import type { CloudflareDns } from './cloudflare-client';
import type { HetznerClient } from './hetzner-client';

export interface ActivityDeps {
  db: Database;
  hetzner: HetznerClient;
  dns: CloudflareDns;
  mail: { transport: Transporter; from: string };
  /** The outgoing webhook; signed with its own secret, never the inbound key pair. */
  billing: { url: string | undefined; webhookSecret: string | undefined; timeoutMs?: number };
  /** Base URL the VPS calls back (`<api>/api/instances/<id>/ready`). */
  apiPublicUrl: string;
  callbackSecret: string;
  domain: string;
  catalog: Catalog;
  /** How often waits re-read a Hetzner action or server (tests use a few ms). */
  pollIntervalMs: number;
  /** The health monitor and drift sweep (HEALTH_* and DRIFT_* settings, config/fleet.ts). */
  fleet: FleetSettings;
  /** Where operator alerts go (ALERT_WEBHOOK_URL, ALERT_EMAIL); neither set: alerts are only logged. */
  alerts: AlertSettings;
}

export interface FleetSettings {
  /** The gateway's health URL; `{fqdn}`, `{subdomain}`, `{ip}`, `{serverId}` and `{instanceId}` are filled in. Default `https://{fqdn}/healthz`. */
  healthUrlTemplate: string;
  /** One check's time limit (HEALTH_CHECK_TIMEOUT, default 5 s). */
  checkTimeoutMs: number;
  /** Checks in flight at once (HEALTH_CHECK_CONCURRENCY, default 50). */
  checkConcurrency: number;
  /** Consecutive failures before `unhealthy` (default 3) and before the automatic reboot (default 10). */
  unhealthyAfter: number;
  rebootAfter: number;
  /** Automatic reboots per unhealthy episode (HEALTH_MAX_AUTO_REBOOTS, default 1; 0 turns them off). */
  maxAutoReboots: number;
  /** DRIFT_REPAIR_POWER=true: a server found off while its instance runs is powered on (default: alert only). */
  repairPower: boolean;
  /** DRIFT_DELETE_ORPHANS=true: orphans older than orphanGraceMs are deleted (default: alert only). */
  deleteOrphans: boolean;
  orphanGraceMs: number;
  /** Findings one drift sweep acts on; the rest wait for the next (default 100). */
  maxFindingsPerSweep: number;
}

export interface AlertSettings {
  /** Slack-compatible incoming webhook: `{"text": …}` plus structured fields. */
  webhookUrl: string | undefined;
  /** Operators' address; sent through the same SMTP as customer e-mail. */
  email: string | undefined;
  timeoutMs?: number;
}
