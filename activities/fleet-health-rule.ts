// The health monitor's counting rule, pure: one check's outcome against what instance_health
// remembers gives the next row and the changes the entity must hear. Consecutive failures are
// counted here, outside the entity, so a check that changes nothing costs the entity nothing.
import type { FleetSettings } from './deps';
import type { HealthChange, HealthStatus } from '../workflows/fleet-types';

export type HealthRules = Pick<FleetSettings, 'unhealthyAfter' | 'rebootAfter' | 'maxAutoReboots'>;

/** What instance_health remembers between sweeps (a never-checked instance has none). */
export interface HealthMemory {
  status: HealthStatus;
  consecutiveFailures: number;
  episode: number;
  rebootsInEpisode: number;
}

export interface CheckOutcome {
  ok: boolean;
  /** What the check saw, e.g. "https://…/healthz: HTTP 503". */
  reason: string;
  checkedAt: Date;
}

export interface HealthStep {
  next: HealthMemory;
  changes: HealthChange[];
}

export const NEVER_CHECKED: HealthMemory = { status: 'unknown', consecutiveFailures: 0, episode: 0, rebootsInEpisode: 0 };

/** The change key the entity deduplicates on; a second automatic reboot in one episode needs a key of its own. */
export function healthChangeKey(episode: number, kind: HealthChange['kind'], reboot = 1): string {
  return reboot > 1 ? `health:${episode}:${kind}:${reboot}` : `health:${episode}:${kind}`;
}

export function nextHealth(previous: HealthMemory | undefined, outcome: CheckOutcome, rules: HealthRules): HealthStep {
  const memory = previous ?? NEVER_CHECKED;
  return outcome.ok ? afterSuccess(memory, outcome) : afterFailure(memory, outcome, rules);
}

function afterSuccess(memory: HealthMemory, outcome: CheckOutcome): HealthStep {
  const next: HealthMemory = { ...memory, status: 'healthy', consecutiveFailures: 0 };
  // Only a recovery from `unhealthy` is news; unknown → healthy (the first check) is not.
  if (memory.status !== 'unhealthy') return { next, changes: [] };
  return { next, changes: [change('recovered', memory.episode, memory.consecutiveFailures, outcome)] };
}

function afterFailure(memory: HealthMemory, outcome: CheckOutcome, rules: HealthRules): HealthStep {
  const next: HealthMemory = { ...memory, consecutiveFailures: memory.consecutiveFailures + 1 };
  const changes: HealthChange[] = [];
  if (next.status !== 'unhealthy' && next.consecutiveFailures >= rules.unhealthyAfter) {
    Object.assign(next, { status: 'unhealthy', episode: memory.episode + 1, rebootsInEpisode: 0 });
    changes.push(change('unhealthy', next.episode, next.consecutiveFailures, outcome));
  }
  if (next.status === 'unhealthy' && next.consecutiveFailures >= rules.rebootAfter && next.rebootsInEpisode < rules.maxAutoReboots) {
    next.rebootsInEpisode += 1;
    changes.push(change('reboot_due', next.episode, next.consecutiveFailures, outcome, next.rebootsInEpisode));
  }
  return { next, changes };
}

function change(kind: HealthChange['kind'], episode: number, consecutiveFailures: number, outcome: CheckOutcome, reboot?: number): HealthChange {
  return { key: healthChangeKey(episode, kind, reboot), kind, episode, consecutiveFailures, checkedAt: outcome.checkedAt.toISOString(), reason: outcome.reason };
}
