// POST /api/webhooks/paddle and /api/webhooks/stripe: verified over the raw body with the
// provider's own signature (not Hostflow's signed-request scheme), recorded once per event id,
// applied in order per subscription (api/billing/apply-event.ts). A bad or missing signature is
// 401 and records nothing; every verified event is answered 200.
import { Router, type Request } from 'express';
import { applyProviderEvent, type Applied } from '../billing/apply-event';
import { verifyPaddleSignature, type SignatureCheck } from '../billing/paddle-signature';
import { readPaddleEvent } from '../billing/paddle-events';
import type { ProviderEvent } from '../billing/provider-event';
import { verifyStripeSignature } from '../billing/stripe-signature';
import { readStripeEvent } from '../billing/stripe-events';
import { decodeJsonBody, readRawBody } from '../body';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';

/** Provider events are bigger than Hostflow's own requests (a transaction lists its items). */
export const PROVIDER_WEBHOOK_BODY_LIMIT = 512 * 1024;

interface Provider {
  name: 'Paddle' | 'Stripe';
  secrets: readonly string[];
  setting: string;
  verify(req: Request, nowMs: number): SignatureCheck;
  read(body: unknown): ProviderEvent;
}

export function billingWebhookRoutes({ deps }: RouteContext): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const { billing } = deps.config;
  const raw = readRawBody(PROVIDER_WEBHOOK_BODY_LIMIT);
  const providers: Record<'paddle' | 'stripe', Provider> = {
    paddle: {
      name: 'Paddle',
      secrets: billing.paddleSecrets,
      setting: 'PADDLE_WEBHOOK_SECRETS',
      verify: (req, nowMs) =>
        verifyPaddleSignature({ header: req.get('paddle-signature'), rawBody: req.rawBody!, secrets: billing.paddleSecrets, toleranceMs: billing.paddleToleranceMs, nowMs }),
      read: readPaddleEvent,
    },
    stripe: {
      name: 'Stripe',
      secrets: billing.stripeSecrets,
      setting: 'STRIPE_WEBHOOK_SECRETS',
      verify: (req, nowMs) =>
        verifyStripeSignature({ header: req.get('stripe-signature'), rawBody: req.rawBody!, secrets: billing.stripeSecrets, toleranceMs: billing.toleranceMs, nowMs }),
      read: readStripeEvent,
    },
  };

  for (const [path, provider] of Object.entries(providers)) {
    router.post(`/api/webhooks/${path}`, ...raw, async (req, res) => {
      if (provider.secrets.length === 0) throw new ApiError('NOT_FOUND', `${provider.name} webhooks are off (set ${provider.setting})`);
      const check = provider.verify(req, now());
      if (!check.ok) {
        req.log.warn({ provider: provider.name, reason: check.reason }, 'billing webhook refused: bad signature');
        throw new ApiError('UNAUTHORIZED', `${provider.name} signature refused: ${check.reason}`);
      }
      const event = provider.read(decodeJsonBody(req));
      const applied = await applyProviderEvent({ db: deps.database.db, temporal: deps.temporal, config: deps.config, log: req.log }, event, req.rawBody!);
      req.log.info({ provider: provider.name, event_id: event.eventId, type: event.type, outcome: applied.outcome, reason: applied.reason }, 'billing webhook');
      res.status(200).json(answer(event, applied));
    });
  }
  return router;
}

function answer(event: ProviderEvent, applied: Applied) {
  return {
    received: true as const,
    event_id: event.eventId,
    type: event.type,
    outcome: applied.outcome,
    ...(applied.reason ? { reason: applied.reason } : {}),
    ...(applied.instanceId ? { instance_id: applied.instanceId } : {}),
  };
}
