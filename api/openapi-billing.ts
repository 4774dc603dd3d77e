// The OpenAPI entries of the Paddle and Stripe webhooks (api/routes/billing-webhooks.ts). Their
// bodies are the providers' own event JSON, verified over the raw bytes, so no schema is given.
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { OpenApiHelpers } from './openapi-vps';

export const BillingWebhookResponse = z
  .object({
    received: z.literal(true),
    event_id: z.string(),
    type: z.string(),
    outcome: z.enum(['applied', 'duplicate', 'stale', 'ignored', 'refused']).meta({
      description:
        'applied: created the instance or signalled it; duplicate: this event id was received before; stale: older than an event already applied to the subscription; ' +
        'ignored: no meaning for Hostflow, or no instance; refused: an activation whose order fields are missing or wrong (logged as an error, nothing started)',
    }),
    reason: z.string().optional(),
    instance_id: z.string().optional(),
  })
  .meta({ id: 'BillingWebhookResponse' });

export function billingRoutes(h: Pick<OpenApiHelpers, 'json' | 'errors'>): RouteConfig[] {
  const route = (provider: 'paddle' | 'stripe', header: string, description: string): RouteConfig => ({
    method: 'post',
    path: `/api/webhooks/${provider}`,
    operationId: `${provider}Webhook`,
    summary: `${provider === 'paddle' ? 'Paddle Billing' : 'Stripe'} subscription events (README "Paddle and Stripe" has the mapping)`,
    description,
    request: { headers: z.object({ [header]: z.string().meta({ description: `${header} as the provider sends it` }) }) },
    responses: {
      200: h.json(BillingWebhookResponse, 'Received (whatever the outcome: a provider never needs to retry a verified event)'),
      ...h.errors('UNAUTHORIZED', 'NOT_FOUND', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNAVAILABLE'),
    },
  });
  return [
    route('paddle', 'Paddle-Signature', '`ts=<unix s>;h1=<hex HMAC-SHA256(secret, ts:body)>`, several h1 during a rotation; PADDLE_WEBHOOK_SECRETS; ts within PADDLE_WEBHOOK_TOLERANCE (default 3 days 1 hour: Paddle retries keep the first ts). 404 when no secret is set.'),
    route('stripe', 'Stripe-Signature', '`t=<unix s>,v1=<hex HMAC-SHA256(secret, t.body)>`; STRIPE_WEBHOOK_SECRETS; t within BILLING_WEBHOOK_TOLERANCE (default 5 minutes). 404 when no secret is set.'),
  ];
}
