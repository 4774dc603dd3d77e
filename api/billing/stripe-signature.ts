// Stripe's webhook signature, checked by the official `stripe` package
// (`Stripe.webhooks.constructEvent`: HMAC-SHA256 over `t.body`, any v1 may match, constant-time,
// a tolerance in seconds). It takes one secret, so each of STRIPE_WEBHOOK_SECRETS is tried in
// turn during a rotation. No API key is needed: the static `webhooks` object does not call Stripe.
import Stripe from 'stripe';
import type { SignatureCheck } from './paddle-signature';

export interface StripeSignatureInput {
  header: string | undefined;
  rawBody: Buffer;
  secrets: readonly string[];
  toleranceMs: number;
  nowMs: number;
}

export function verifyStripeSignature(input: StripeSignatureInput): SignatureCheck {
  if (!input.header) return { ok: false, reason: 'missing Stripe-Signature header' };
  // The package refuses a tolerance of 0 as "no check": never pass it less than a second.
  const toleranceSeconds = Math.max(1, Math.floor(input.toleranceMs / 1000));
  let reason = 'no Stripe-Signature v1 matches';
  for (const secret of input.secrets) {
    try {
      Stripe.webhooks.constructEvent(input.rawBody, input.header, secret, toleranceSeconds, undefined, input.nowMs);
      return { ok: true };
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
      // A stale or malformed header fails the same way for every secret.
      if (!/No signatures found matching/i.test(reason)) break;
    }
  }
  return { ok: false, reason: reason.split('\n')[0]!.slice(0, 200) };
}

/** The header Stripe would send for `rawBody` (tests). */
export function stripeSignatureHeader(rawBody: string, secret: string, tsSeconds: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret, timestamp: tsSeconds });
}
