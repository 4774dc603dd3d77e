// What the API process reads, and nothing else: no provider token, no SMTP, no outgoing webhook
// (the worker's, config/worker-config.ts). ApiConfig has no field for them, so API code cannot
// reach one.
import { z } from 'zod';
import { billingConfig, billingEnvShape, type BillingConfig } from './billing';
import { callbackConfig, callbackEnvShape } from './callback-settings';
import { DEFAULT_CATALOG, type Catalog } from './catalog';
import { parseEnv, refuseProblems, type CommonConfig } from './env';
import { instanceDomainEnvShape } from './instance-domain';
import { DEFAULT_RESERVED_HOSTNAMES, parseReservedHostnames } from './reserved-hostnames';
import { signingPairs, signingPairsEnvShape, signingPairsProblems, type ApiKeyPair } from './signing-pairs';
import { parseTrustProxy } from './trust-proxy';

/** Where the API serves GET /metrics when API_METRICS_ADDRESS is unset: this machine only. */
export const DEFAULT_API_METRICS_ADDRESS = '127.0.0.1:9465';

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 900ms, 30s, 15m or 2h')
  .transform((value) => Number.parseInt(value, 10) * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const)[value.replace(/^\d+/, '') as 'ms' | 's' | 'm' | 'h']);

const trustProxy = z.string().transform((value, ctx) => {
  try {
    return parseTrustProxy(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message} (expected hops, proxy addresses/subnets, or loopback/linklocal/uniquelocal)` });
    return z.NEVER;
  }
});

/** `host:port` to listen on, or `off`. */
const listenAddress = z.string().transform((value, ctx) => {
  if (value.trim() === 'off') return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!match || Number(match[2]) > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port (e.g. 127.0.0.1:9465) or off' });
    return z.NEVER;
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
});

const apiEnvShape = {
  ...callbackEnvShape,
  ...instanceDomainEnvShape,
  ...signingPairsEnvShape,
  ...billingEnvShape,
  API_ACCEPT_V1_SIGNATURES: z.enum(['true', 'false']).default('false'),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(2222),
  // Express's "trust proxy": hops (a number) or the proxies' addresses/subnets (comma list, or
  // loopback / linklocal / uniquelocal). Never "true": any client could then choose its own IP.
  API_TRUST_PROXY: trustProxy.optional(),
  API_METRICS_ADDRESS: listenAddress.prefault(DEFAULT_API_METRICS_ADDRESS),
  RESERVED_HOSTNAMES: z
    .string()
    .transform(parseReservedHostnames)
    .refine((names) => names.every((name) => /^[a-z0-9-]{1,63}$/.test(name)), 'expected a comma list of DNS labels, or none')
    .optional(),
  API_MAX_QUEUED_OPERATIONS: z.coerce.number().int().min(1).max(1000).default(20),
  PROVISION_READY_TIMEOUT: durationMs.default(15 * 60_000),
};

/** Secrets only the worker reads (config/providers.ts, config/billing-webhook.ts). */
const WORKER_ONLY_SECRETS = ['HETZNER_API_TOKEN', 'CLOUDFLARE_API_TOKEN', 'SMTP_URL', 'BILLING_WEBHOOK_SECRET', 'ALERT_WEBHOOK_URL'] as const;

/** The catalog as the API offers it; the firewall and snapshot settings are the worker's. */
export type ApiCatalog = Omit<Catalog, 'sshAllowedCidrs' | 'snapshotRetention'>;

export interface ApiConfig extends CommonConfig {
  /** Signing pairs accepted from the billing system; several at once for rotation. */
  apiKeys: ApiKeyPair[];
  /** Checks each VPS's ready callback (config/callback-token.ts). */
  callbackSecret: string;
  /** Legacy v1 request signatures (body + timestamp) accepted too; off unless an old integration needs it. */
  acceptV1Signatures: boolean;
  /** publicUrl: API_URL, named in the OpenAPI document. */
  /** trustProxy: Express's "trust proxy" (API_TRUST_PROXY); unset: the socket's address is the client. */
  /** metrics: where GET /metrics listens (API_METRICS_ADDRESS), undefined when off. */
  api: { port: number; publicUrl: string; trustProxy?: number | string; metrics: { host: string; port: number } | undefined };
  /** The zone instance URLs are under (CLOUDFLARE_DOMAIN). */
  domain: string;
  /** Hostnames customers may not order (RESERVED_HOSTNAMES). */
  reservedHostnames: readonly string[];
  /** Operations an instance may have queued before the API refuses another (API_MAX_QUEUED_OPERATIONS). */
  maxQueuedOperations: number;
  /** Passed to each new entity workflow (PROVISION_READY_TIMEOUT). */
  provisionReadyTimeoutMs: number;
  catalog: ApiCatalog;
  /** Paddle / Stripe webhook secrets and tolerances, and the dunning grace periods (config/billing.ts). */
  billing: BillingConfig;
}

export function loadApiConfig(rawEnv: NodeJS.ProcessEnv = process.env): ApiConfig {
  const { values: e, common } = parseEnv(rawEnv, apiEnvShape);
  refuseProblems(signingPairsProblems(e));
  const callback = callbackConfig(e);
  const { sshAllowedCidrs: _ssh, snapshotRetention: _retention, ...catalog } = DEFAULT_CATALOG;
  return {
    ...common,
    apiKeys: signingPairs(e),
    callbackSecret: callback.callbackSecret,
    acceptV1Signatures: e.API_ACCEPT_V1_SIGNATURES === 'true',
    api: { port: e.API_PORT, publicUrl: callback.publicUrl, trustProxy: e.API_TRUST_PROXY, metrics: e.API_METRICS_ADDRESS },
    domain: e.CLOUDFLARE_DOMAIN,
    reservedHostnames: e.RESERVED_HOSTNAMES ?? DEFAULT_RESERVED_HOSTNAMES,
    maxQueuedOperations: e.API_MAX_QUEUED_OPERATIONS,
    provisionReadyTimeoutMs: e.PROVISION_READY_TIMEOUT,
    catalog,
    billing: billingConfig(e),
  };
}

/** `env` without the worker's secrets (providers, outgoing webhook), for a launcher that starts the API. */
export function withoutWorkerSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const workerOnly = new Set(WORKER_ONLY_SECRETS.flatMap((name) => [name, `${name}_FILE`]));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !workerOnly.has(name)));
}
