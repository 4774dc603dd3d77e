// Settings of the Paddle and Stripe webhooks and of dunning (issue 17): the signing secrets, how
// old a signed timestamp may be, and the grace periods the API passes to every new entity workflow.
import { z } from 'zod';
import { DEFAULT_BILLING_POLICY, type BillingPolicy } from '../workflows/billing-types';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** PROVISION_READY_TIMEOUT's format, plus days: 900ms, 30s, 15m, 2h, 7d. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 15m, 2h or 7d')
  .transform((value) => Number.parseInt(value, 10) * UNIT_MS[value.replace(/^\d+/, '') as keyof typeof UNIT_MS]);

/** A comma list of webhook signing secrets; several while a secret is rotated. */
const secretList = z
  .string()
  .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((secrets) => secrets.length > 0 && secrets.every((s) => s.length >= 16), 'expected secret[,secret…] of 16+ characters each');

export const billingEnvShape = {
  PADDLE_WEBHOOK_SECRETS: secretList.optional(),
  STRIPE_WEBHOOK_SECRETS: secretList.optional(),
  BILLING_WEBHOOK_TOLERANCE: duration.default(5 * 60_000),
  // Paddle retries a failed delivery with the ts of the first attempt for up to 3 days; the event
  // id dedupe (billing_events) is what makes an old, validly signed body harmless (README).
  PADDLE_WEBHOOK_TOLERANCE: duration.default(3 * 86_400_000 + 3_600_000),
  BILLING_PAST_DUE_GRACE: duration.default(DEFAULT_BILLING_POLICY.pastDueGraceMs),
  BILLING_REMOVAL_GRACE: duration.default(DEFAULT_BILLING_POLICY.removalGraceMs),
  BILLING_SNAPSHOT_BEFORE_REMOVAL: z.enum(['true', 'false']).default('false'),
};

type BillingEnv = z.output<z.ZodObject<typeof billingEnvShape>>;

export interface BillingConfig {
  /** Paddle notification destination secrets (PADDLE_WEBHOOK_SECRETS); none: the route answers 404. */
  paddleSecrets: string[];
  /** Stripe endpoint secrets whsec_… (STRIPE_WEBHOOK_SECRETS); none: the route answers 404. */
  stripeSecrets: string[];
  /** How old a Stripe signature's t may be (BILLING_WEBHOOK_TOLERANCE). */
  toleranceMs: number;
  /** How old a Paddle signature's ts may be (PADDLE_WEBHOOK_TOLERANCE): Paddle's retries keep the first ts. */
  paddleToleranceMs: number;
  /** Grace periods passed to each new entity workflow. */
  policy: BillingPolicy;
}

export function billingConfig(e: BillingEnv): BillingConfig {
  return {
    paddleSecrets: e.PADDLE_WEBHOOK_SECRETS ?? [],
    stripeSecrets: e.STRIPE_WEBHOOK_SECRETS ?? [],
    toleranceMs: e.BILLING_WEBHOOK_TOLERANCE,
    paddleToleranceMs: Math.max(e.PADDLE_WEBHOOK_TOLERANCE, e.BILLING_WEBHOOK_TOLERANCE),
    policy: {
      pastDueGraceMs: e.BILLING_PAST_DUE_GRACE,
      removalGraceMs: e.BILLING_REMOVAL_GRACE,
      snapshotBeforeRemoval: e.BILLING_SNAPSHOT_BEFORE_REMOVAL === 'true',
    },
  };
}
