// Settings of day two (issue 16): the health monitor's and the drift sweep's schedules and rules,
// and where operator alerts go. Bad values refuse to start, named, like every other setting.
import { z } from 'zod';
import type { AlertSettings, FleetSettings } from '../activities/deps';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'expected a duration such as 30s, 5m, 1h or 1d')
  .transform((value) => Number.parseInt(value, 10) * UNIT_MS[value.replace(/^\d+/, '') as keyof typeof UNIT_MS]);

/** A sweep more often than once a minute would spend the providers' rate limits on nothing. */
const sweepInterval = duration.refine((ms) => ms >= 60_000, 'must be at least 1m (a sweep more often would spend the providers\' rate limits on nothing)');

const PLACEHOLDERS = ['fqdn', 'subdomain', 'ip', 'serverId', 'instanceId'] as const;

/** `https://{fqdn}/healthz`: only known placeholders, and an http(s) URL once they are filled in. */
const urlTemplate = z.string().superRefine((template, ctx) => {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `unknown placeholder {${unknown[0]}} (expected ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` });
    return;
  }
  const sample = template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'ip' ? '192.0.2.1' : name === 'serverId' ? '1' : 'example-box.example.com'));
  if (!/^https?:\/\//.test(sample) || !URL.canParse(sample)) ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL template such as https://{fqdn}/healthz' });
});

const httpUrl = z.url().refine((value) => /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL');

export const fleetEnvShape = {
  HEALTH_SWEEP_INTERVAL: sweepInterval.default(5 * 60_000),
  DRIFT_SWEEP_INTERVAL: sweepInterval.default(60 * 60_000),
  HEALTH_URL_TEMPLATE: urlTemplate.default('https://{fqdn}/healthz'),
  HEALTH_CHECK_TIMEOUT: duration.default(5_000),
  HEALTH_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  HEALTH_UNHEALTHY_AFTER: z.coerce.number().int().min(1).max(100).default(3),
  HEALTH_REBOOT_AFTER: z.coerce.number().int().min(1).max(1000).default(10),
  HEALTH_MAX_AUTO_REBOOTS: z.coerce.number().int().min(0).max(10).default(1),
  DRIFT_REPAIR_POWER: z.enum(['true', 'false']).default('false'),
  DRIFT_DELETE_ORPHANS: z.enum(['true', 'false']).default('false'),
  DRIFT_ORPHAN_GRACE: duration.default(86_400_000),
  ALERT_WEBHOOK_URL: httpUrl.optional(),
  ALERT_EMAIL: z.email().optional(),
  // off: the worker leaves the sweep schedules alone at start. For test stacks (they start sweeps
  // directly, and the schedules' ids are one per namespace) and for deployments that keep them
  // with `npm run schedules` instead.
  FLEET_SCHEDULES: z.enum(['on', 'off']).default('on'),
};

type FleetEnv = z.output<z.ZodObject<typeof fleetEnvShape>>;

export interface FleetConfig {
  /** How often the schedules start a sweep. */
  healthSweepIntervalMs: number;
  driftSweepIntervalMs: number;
  /** FLEET_SCHEDULES=on (the default): every worker creates or updates the schedules at start (workers/schedules.ts). */
  schedules: boolean;
  settings: FleetSettings;
  alerts: AlertSettings;
}

/** Problems across settings (each value alone was valid). */
export function fleetProblems(e: FleetEnv): string[] {
  return e.HEALTH_REBOOT_AFTER > e.HEALTH_UNHEALTHY_AFTER ? [] : ['HEALTH_REBOOT_AFTER: must be more than HEALTH_UNHEALTHY_AFTER (the reboot comes after the instance is unhealthy)'];
}

export function fleetConfig(e: FleetEnv): FleetConfig {
  return {
    healthSweepIntervalMs: e.HEALTH_SWEEP_INTERVAL,
    driftSweepIntervalMs: e.DRIFT_SWEEP_INTERVAL,
    schedules: e.FLEET_SCHEDULES === 'on',
    settings: {
      healthUrlTemplate: e.HEALTH_URL_TEMPLATE,
      checkTimeoutMs: e.HEALTH_CHECK_TIMEOUT,
      checkConcurrency: e.HEALTH_CHECK_CONCURRENCY,
      unhealthyAfter: e.HEALTH_UNHEALTHY_AFTER,
      rebootAfter: e.HEALTH_REBOOT_AFTER,
      maxAutoReboots: e.HEALTH_MAX_AUTO_REBOOTS,
      repairPower: e.DRIFT_REPAIR_POWER === 'true',
      deleteOrphans: e.DRIFT_DELETE_ORPHANS === 'true',
      orphanGraceMs: e.DRIFT_ORPHAN_GRACE,
      maxFindingsPerSweep: 100,
    },
    alerts: { webhookUrl: e.ALERT_WEBHOOK_URL, email: e.ALERT_EMAIL },
  };
}

/** The settings with nothing set: what a worker runs with by default (tests start from it too). */
export const DEFAULT_FLEET_SETTINGS: FleetSettings = fleetConfig(z.object(fleetEnvShape).parse({})).settings;
