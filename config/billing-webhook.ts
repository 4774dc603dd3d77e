// The lifecycle events the worker POSTs to the billing system, signed with a secret of their own.
import { z } from 'zod';
import { signingPairs, signingPairsEnvShape } from './signing-pairs';

/** The webhook carries signed lifecycle events: only over TLS, or to this machine. */
function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname));
}

export const billingWebhookEnvShape = {
  BILLING_WEBHOOK_URL: z
    .url()
    .refine(isHttpsOrLoopback, 'expected an https URL (plain http only to a loopback address, e.g. a local test receiver)')
    .optional(),
  BILLING_WEBHOOK_SECRET: z.string().min(16).optional(),
};

type BillingWebhookEnv = z.output<z.ZodObject<typeof billingWebhookEnvShape>>;

/** The names whose NAME_FILE the worker reads too, only for the check below. */
export const INBOUND_SECRET_NAMES = Object.keys(signingPairsEnvShape);

export interface BillingWebhookConfig {
  billingWebhookUrl: string | undefined;
  /** Signs the outgoing billing webhook (direction `webhook`); never the inbound pairs. Set whenever the URL is. */
  billingWebhookSecret: string | undefined;
}

export function billingWebhookConfig(e: BillingWebhookEnv): BillingWebhookConfig {
  return { billingWebhookUrl: e.BILLING_WEBHOOK_URL, billingWebhookSecret: e.BILLING_WEBHOOK_SECRET };
}

/**
 * `env`: the whole environment. The inbound signing pairs are the API's; when the same environment
 * holds them too (one .env for both processes, `npm start`), the webhook secret must not be one of
 * them, or whoever receives the webhook could sign requests to the API.
 */
export function billingWebhookProblems(e: BillingWebhookEnv, env: NodeJS.ProcessEnv): string[] {
  if (e.BILLING_WEBHOOK_URL && !e.BILLING_WEBHOOK_SECRET) {
    return ['BILLING_WEBHOOK_SECRET: required with BILLING_WEBHOOK_URL (16+ characters; the webhook is never signed with the inbound key pair)'];
  }
  const inbound = z.object(signingPairsEnvShape).safeParse(env);
  if (e.BILLING_WEBHOOK_SECRET && inbound.success && signingPairs(inbound.data).some((pair) => pair.secret === e.BILLING_WEBHOOK_SECRET)) {
    return ['BILLING_WEBHOOK_SECRET: must differ from every inbound signing secret'];
  }
  return [];
}
