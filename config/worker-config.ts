// What the worker process reads: the providers its activities call, the outgoing billing webhook,
// the callback its cloud-init carries, the catalog's firewall and snapshot settings and the fleet's.
// Not the billing system's signing pairs nor the API's own settings (config/api-config.ts).
import { z } from 'zod';
import { billingWebhookConfig, billingWebhookEnvShape, billingWebhookProblems, INBOUND_SECRET_NAMES, type BillingWebhookConfig } from './billing-webhook';
import { callbackConfig, callbackEnvShape } from './callback-settings';
import { DEFAULT_CATALOG, DEFAULT_SNAPSHOT_RETENTION, DEFAULT_SSH_ALLOWED_CIDRS, type Catalog } from './catalog';
import { parseCidrList } from './cidr-list';
import { parseEnv, refuseProblems, type CommonConfig } from './env';
import { fleetConfig, fleetEnvShape, fleetProblems, type FleetConfig } from './fleet';
import { instanceDomainEnvShape } from './instance-domain';
import { providersConfig, providersEnvShape, providersProblems, type ProvidersConfig } from './providers';

/** Workflows a worker keeps cached when WORKER_MAX_CACHED_WORKFLOWS is unset (why: workers/worker.ts). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

const workerEnvShape = {
  ...providersEnvShape,
  ...instanceDomainEnvShape,
  ...callbackEnvShape,
  ...billingWebhookEnvShape,
  ...fleetEnvShape,
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  SSH_ALLOWED_CIDRS: z
    .string()
    .default(DEFAULT_SSH_ALLOWED_CIDRS.join(','))
    .transform((value, ctx) => {
      const cidrs = parseCidrList(value);
      if (typeof cidrs === 'string') ctx.addIssue({ code: 'custom', message: cidrs });
      return typeof cidrs === 'string' ? [] : cidrs;
    }),
  SNAPSHOT_RETENTION: z.coerce.number().int().min(1).max(50).default(DEFAULT_SNAPSHOT_RETENTION),
};

export interface WorkerConfig extends CommonConfig, ProvidersConfig, BillingWebhookConfig {
  /** The zone instances' DNS records go in (CLOUDFLARE_DOMAIN). */
  domain: string;
  /** API_URL: where a new server calls back. */
  apiPublicUrl: string;
  /** Derives each VPS's callback token for its cloud-init. */
  callbackSecret: string;
  /** A workflow bundle built ahead (`npm run build:workflows`); unset: the worker bundles at start. */
  workflowBundlePath: string | undefined;
  /** Workflows a worker keeps in memory between tasks (see workers/worker.ts). */
  maxCachedWorkflows: number;
  catalog: Catalog;
  /** The health monitor, the drift sweep and operator alerts (config/fleet.ts). */
  fleet: FleetConfig;
}

export function loadWorkerConfig(rawEnv: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const { values: e, env, common } = parseEnv(rawEnv, workerEnvShape, INBOUND_SECRET_NAMES);
  refuseProblems([...billingWebhookProblems(e, env), ...fleetProblems(e), ...providersProblems(e, e.API_URL)]);
  const callback = callbackConfig(e);
  return {
    ...common,
    ...providersConfig(e),
    ...billingWebhookConfig(e),
    domain: e.CLOUDFLARE_DOMAIN,
    apiPublicUrl: callback.publicUrl,
    callbackSecret: callback.callbackSecret,
    workflowBundlePath: e.WORKFLOW_BUNDLE,
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    catalog: { ...DEFAULT_CATALOG, sshAllowedCidrs: e.SSH_ALLOWED_CIDRS, snapshotRetention: e.SNAPSHOT_RETENTION },
    fleet: fleetConfig(e),
  };
}
