// The entity's side of day two, as a plain class like Dunning: what a health change or a drift
// notice means for this instance — the audit event, the alert, the Health search attribute, and
// the operation to queue (through the entity's own queue, never around it). No Temporal calls.
import type { ReservedRequest } from './domain';
import { DRIFT_MONITOR, HEALTH_MONITOR, type Alert, type DriftNotice, type HealthChange, type HealthStatus } from './fleet-types';
import type { InstanceStatus } from './statuses';

/** An operation a monitor asks for, reserved and queued like billing's (reserved-requests.ts). */
export type MonitorRequest = ReservedRequest & { type: 'reboot' };

/** What one health change or drift notice means; the loop records, alerts and queues it. */
export interface MonitorWork {
  event: { kind: string; message: string; data?: Record<string, unknown> };
  alert?: Omit<Alert, 'at'>;
  request?: MonitorRequest;
}

export class Monitoring {
  health: HealthStatus;
  /** Health changes and drift notices the loop has yet to record (signal handlers cannot wait). */
  readonly work: MonitorWork[] = [];

  constructor(
    private readonly instance: { instanceId: string; subdomain: string },
    carried: HealthStatus | undefined,
  ) {
    this.health = carried ?? 'unknown';
  }

  /** The health monitor saw a change (healthChanged signal). `status`: the instance's now. */
  applyHealth(change: HealthChange, status: InstanceStatus): void {
    const { instanceId, subdomain } = this.instance;
    const episodeKey = `unhealthy:${instanceId}:${change.episode}`;
    const details = { episode: change.episode, consecutive_failures: change.consecutiveFailures, checked_at: change.checkedAt, reason: change.reason };
    if (change.kind === 'unhealthy') {
      this.health = 'unhealthy';
      this.work.push({
        event: { kind: 'health.unhealthy', message: `unhealthy: ${change.consecutiveFailures} health checks failed in a row (${change.reason})`, data: details },
        alert: { key: episodeKey, kind: 'unhealthy', severity: 'critical', title: `${subdomain} is unhealthy: ${change.reason}`, instanceId, subdomain, details },
      });
    } else if (change.kind === 'recovered') {
      this.health = 'healthy';
      this.work.push({
        event: { kind: 'health.recovered', message: `healthy again after ${change.consecutiveFailures} failed checks`, data: details },
        alert: { key: `${episodeKey}:resolved`, kind: 'unhealthy', severity: 'resolved', title: `${subdomain} is healthy again`, instanceId, subdomain, details },
      });
    } else {
      // Only a running instance is rebooted; anything else (suspended meanwhile, an operation
      // queued or in attention) is left to its own course, and said so in the event.
      const reboot = status === 'running';
      const reason = `health monitor: ${change.consecutiveFailures} health checks failed in a row (${change.reason})`;
      this.work.push({
        event: { kind: 'health.reboot_requested', message: reboot ? `automatic reboot requested: ${reason}` : `automatic reboot not requested (instance is ${status}): ${reason}`, data: details },
        ...(reboot
          ? {
              alert: { key: `${instanceId}:${change.key}`, kind: 'health_reboot', severity: 'warning', title: `${subdomain} is being rebooted by the health monitor`, instanceId, subdomain, details },
              // Keyed by the change: a second automatic reboot of the episode (HEALTH_MAX_AUTO_REBOOTS > 1) is its own.
              request: { type: 'reboot', args: { reason }, requestedBy: HEALTH_MONITOR, reservationKey: change.key },
            }
          : {}),
      });
    }
  }

  /** The drift sweep found the server gone or off (driftFound signal). */
  applyDrift(notice: DriftNotice, status: InstanceStatus): void {
    const data = { server_id: notice.serverId, finding: notice.key };
    // A vanished server: the queued reboot looks for it once more and, not finding it, stops in
    // `attention` with the repair choices. A server off: powered on only when asked to be.
    const act = status === 'running' && (notice.kind === 'server_vanished' || notice.repairPower);
    const what = notice.kind === 'server_vanished' ? 'server vanished' : 'server off';
    const followUp = act ? (notice.kind === 'server_vanished' ? '; a reboot is queued to confirm, then an operator decides' : '; a reboot is queued to power it on') : '';
    this.work.push({
      event: { kind: `drift.${notice.kind}`, message: `${what}: ${notice.message}${followUp}`, data },
      ...(act ? { request: { type: 'reboot', args: { reason: `drift: ${what} (${notice.message})` }, requestedBy: DRIFT_MONITOR, reservationKey: notice.key } } : {}),
    });
  }
}
