// The one place that reads process.env. Every process calls loadConfig() once at start and
// refuses to run with a message that names every bad value, not just the first.
import { z } from 'zod';
import { billingConfig, billingEnvShape, type BillingConfig } from './billing';
import { DEFAULT_TASK_QUEUE } from '../workflows/ids';
import { DEFAULT_CATALOG, DEFAULT_SNAPSHOT_RETENTION, DEFAULT_SSH_ALLOWED_CIDRS, type Catalog } from './catalog';
import { parseCidrList } from './cidr-list';
import { withFileSecrets } from './file-secrets';
import { fleetConfig, fleetEnvShape, fleetProblems, type FleetConfig } from './fleet';
import { parsePayloadEncryption, type PayloadEncryptionKeys } from './payload-encryption';
import { realProviderProblems } from './real-providers';
import { DEFAULT_RESERVED_HOSTNAMES, parseReservedHostnames } from './reserved-hostnames';
import { parseTrustProxy } from './trust-proxy';

const apiKeyPairs = z
  .string()
  .transform((value, ctx) => {
    const pairs = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const at = entry.indexOf(':');
        return at > 0 ? { key: entry.slice(0, at), secret: entry.slice(at + 1) } : null;
      });
    if (pairs.length === 0 || pairs.some((p) => p === null || p.secret.length < 16)) {
      ctx.addIssue({ code: 'custom', message: 'expected key:secret[,key:secret…] with secrets of 16+ characters' });
      return z.NEVER;
    }
    return pairs as { key: string; secret: string }[];
  });

const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 900ms, 30s, 15m or 2h')
  .transform((value) => {
    const n = Number.parseInt(value, 10);
    const unit = value.replace(/^\d+/, '');
    return n * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const)[unit as 'ms' | 's' | 'm' | 'h'];
  });

/** The webhook carries signed lifecycle events: only over TLS, or to this machine. */
function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname));
}

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

/** Where the API serves GET /metrics when API_METRICS_ADDRESS is unset: this machine only. */
export const DEFAULT_API_METRICS_ADDRESS = '127.0.0.1:9465';

/** Workflows a worker keeps cached when WORKER_MAX_CACHED_WORKFLOWS is unset (why: workers/worker.ts). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

const envSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  HETZNER_API_TOKEN: z.string().min(1),
  HETZNER_API_URL: z.url().default('https://api.hetzner.cloud/v1'),
  CLOUDFLARE_API_TOKEN: z.string().min(1),
  CLOUDFLARE_ZONE_ID: z.string().min(1),
  CLOUDFLARE_DOMAIN: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as example.com'),
  CLOUDFLARE_API_URL: z.url().default('https://api.cloudflare.com/client/v4'),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }),
  EMAIL_FROM: z.string().min(3),
  WHMCS_API_KEY: z.string().min(1).optional(),
  WHMCS_HMAC_SECRET: z.string().min(16).optional(),
  WHMCS_API_KEYS: apiKeyPairs.optional(),
  CALLBACK_SECRET: z.string().min(16),
  BILLING_WEBHOOK_URL: z
    .url()
    .refine(isHttpsOrLoopback, 'expected an https URL (plain http only to a loopback address, e.g. a local test receiver)')
    .optional(),
  BILLING_WEBHOOK_SECRET: z.string().min(16).optional(),
  API_ACCEPT_V1_SIGNATURES: z.enum(['true', 'false']).default('false'),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(2222),
  API_URL: z.url().default('http://127.0.0.1:2222'),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...billingEnvShape,
  ...fleetEnvShape,
});

export interface ApiKeyPair {
  key: string;
  secret: string;
}

export interface Config {
  databaseUrl: string | undefined;
  taskQueue: string;
  hetzner: { token: string; url: string };
  cloudflare: { token: string; zoneId: string; domain: string; url: string };
  smtp: { url: string; from: string };
  /** Signing pairs accepted from the billing system; several at once for rotation. */
  apiKeys: ApiKeyPair[];
  callbackSecret: string;
  billingWebhookUrl: string | undefined;
  /** Signs the outgoing billing webhook (direction `webhook`); never the inbound pairs. Set whenever the URL is. */
  billingWebhookSecret: string | undefined;
  /** Legacy v1 request signatures (body + timestamp) accepted too; off unless an old integration needs it. */
  acceptV1Signatures: boolean;
  /** trustProxy: Express's "trust proxy" (API_TRUST_PROXY); unset: the socket's address is the client. */
  /** metrics: where GET /metrics listens (API_METRICS_ADDRESS), undefined when off. */
  api: { port: number; publicUrl: string; trustProxy?: number | string; metrics: { host: string; port: number } | undefined };
  /** Hostnames customers may not order (RESERVED_HOSTNAMES). */
  reservedHostnames: readonly string[];
  /** Operations an instance may have queued before the API refuses another (API_MAX_QUEUED_OPERATIONS). */
  maxQueuedOperations: number;
  provisionReadyTimeoutMs: number;
  logLevel: string;
  /** A workflow bundle built ahead (`npm run build:workflows`); unset: the worker bundles at start. */
  workflowBundlePath: string | undefined;
  /** Workflows a worker keeps in memory between tasks (see workers/worker.ts). */
  maxCachedWorkflows: number;
  catalog: Catalog;
  /** Payload encryption keys (PAYLOAD_ENCRYPTION_*); undefined: payloads are stored unencrypted. */
  payloadEncryption: PayloadEncryptionKeys | undefined;
  /** Paddle / Stripe webhook secrets and tolerances, and the dunning grace periods (config/billing.ts). */
  billing: BillingConfig;
  /** The health monitor, the drift sweep and operator alerts (config/fleet.ts). */
  fleet: FleetConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Hostflow cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // NAME_FILE=/run/secrets/... for any setting (config/file-secrets.ts).
  const fileNames = [...Object.keys(envSchema.shape), ...Object.keys(rawEnv).filter((k) => /^PAYLOAD_ENCRYPTION_\w+_FILE$/.test(k)).map((k) => k.slice(0, -5))];
  const { env, problems: fileProblems } = withFileSecrets(rawEnv, fileNames);
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  const parsed = envSchema.safeParse(env);
  const encryption = parsePayloadEncryption(env);
  if (!parsed.success) {
    throw new ConfigError([...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`), ...encryption.problems]);
  }
  if (encryption.problems.length > 0) throw new ConfigError(encryption.problems);
  const e = parsed.data;
  const apiKeys = [...(e.WHMCS_API_KEYS ?? [])];
  if (e.WHMCS_API_KEY && e.WHMCS_HMAC_SECRET) apiKeys.unshift({ key: e.WHMCS_API_KEY, secret: e.WHMCS_HMAC_SECRET });
  if (apiKeys.length === 0) {
    throw new ConfigError(['WHMCS_API_KEY and WHMCS_HMAC_SECRET (or WHMCS_API_KEYS=key:secret,…): at least one signing pair is required']);
  }
  if (e.BILLING_WEBHOOK_URL && !e.BILLING_WEBHOOK_SECRET) {
    throw new ConfigError(['BILLING_WEBHOOK_SECRET: required with BILLING_WEBHOOK_URL (16+ characters; the webhook is never signed with the inbound key pair)']);
  }
  if (e.BILLING_WEBHOOK_SECRET && apiKeys.some((pair) => pair.secret === e.BILLING_WEBHOOK_SECRET)) {
    throw new ConfigError(['BILLING_WEBHOOK_SECRET: must differ from every inbound signing secret']);
  }
  const crossProblems = fleetProblems(e);
  if (crossProblems.length > 0) throw new ConfigError(crossProblems);
  const providerProblems = realProviderProblems({ hetznerUrl: e.HETZNER_API_URL, cloudflareUrl: e.CLOUDFLARE_API_URL, apiUrl: e.API_URL });
  if (providerProblems.length > 0) throw new ConfigError(providerProblems);
  return {
    databaseUrl: e.DATABASE_URL,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    hetzner: { token: e.HETZNER_API_TOKEN, url: e.HETZNER_API_URL },
    cloudflare: { token: e.CLOUDFLARE_API_TOKEN, zoneId: e.CLOUDFLARE_ZONE_ID, domain: e.CLOUDFLARE_DOMAIN, url: e.CLOUDFLARE_API_URL },
    smtp: { url: e.SMTP_URL, from: e.EMAIL_FROM },
    apiKeys,
    callbackSecret: e.CALLBACK_SECRET,
    billingWebhookUrl: e.BILLING_WEBHOOK_URL,
    billingWebhookSecret: e.BILLING_WEBHOOK_SECRET,
    acceptV1Signatures: e.API_ACCEPT_V1_SIGNATURES === 'true',
    api: {
      port: e.API_PORT,
      publicUrl: e.API_URL.replace(/\/$/, ''),
      trustProxy: e.API_TRUST_PROXY,
      metrics: e.API_METRICS_ADDRESS,
    },
    reservedHostnames: e.RESERVED_HOSTNAMES ?? DEFAULT_RESERVED_HOSTNAMES,
    maxQueuedOperations: e.API_MAX_QUEUED_OPERATIONS,
    provisionReadyTimeoutMs: e.PROVISION_READY_TIMEOUT,
    logLevel: e.LOG_LEVEL,
    workflowBundlePath: e.WORKFLOW_BUNDLE,
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    catalog: { ...DEFAULT_CATALOG, sshAllowedCidrs: e.SSH_ALLOWED_CIDRS, snapshotRetention: e.SNAPSHOT_RETENTION },
    payloadEncryption: encryption.keys,
    billing: billingConfig(e),
    fleet: fleetConfig(e),
  };
}
