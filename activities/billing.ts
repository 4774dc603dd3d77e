// Tells the billing system what happened, signed like its own requests to us
// (X-API-Key, X-Timestamp, X-Signature = hex HMAC-SHA256(secret, body + timestamp)), with an
// Idempotency-Key so a repeat after a lost answer is recognised on its side.
import { createHmac } from 'node:crypto';
import { claimDelivery, deliveryKey, markDelivered, markDeliveryFailed } from './deliveries';
import type { ActivityDeps } from './deps';
import { classify, ProviderError } from './errors';

export interface BillingEvent {
  instanceId: string;
  operationId: string;
  serviceId: string;
  /** e.g. instance.provisioned, instance.provision_failed, instance.suspended… */
  event: string;
  status: string;
  detail?: string;
}

export function signBody(secret: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(body + timestamp).digest('hex');
}

export type BillingDeps = Pick<ActivityDeps, 'db' | 'billing'>;

export function createBillingActivities(deps: BillingDeps) {
  return {
    async notifyBilling(input: BillingEvent): Promise<'sent' | 'already sent' | 'not configured'> {
      const url = deps.billing.url;
      if (!url) return 'not configured';
      const key = { instanceId: input.instanceId, operationId: input.operationId, kind: `webhook:${input.event}` };
      if (!(await claimDelivery(deps.db, key))) return 'already sent';
      const body = JSON.stringify({
        event: input.event,
        instance_id: input.instanceId,
        service_id: Number(input.serviceId),
        operation_id: input.operationId,
        status: input.status,
        detail: input.detail,
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const what = `send ${input.event} webhook for instance ${input.instanceId}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Idempotency-Key': deliveryKey(key),
            'X-API-Key': deps.billing.signingKey.key,
            'X-Timestamp': timestamp,
            'X-Signature': signBody(deps.billing.signingKey.secret, body, timestamp),
          },
          body,
          signal: AbortSignal.timeout(deps.billing.timeoutMs ?? 10_000),
        });
      } catch (error) {
        await markDeliveryFailed(deps.db, key, String(error));
        throw classify(new ProviderError('billing webhook', undefined, 'network_error', String(error)), what);
      }
      if (!response.ok) {
        const text = (await response.text().catch(() => '')).slice(0, 300);
        await markDeliveryFailed(deps.db, key, `${response.status} ${text}`);
        const retryAfter = Number(response.headers.get('retry-after'));
        throw classify(new ProviderError('billing webhook', response.status, `http_${response.status}`, text || response.statusText, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined), what);
      }
      await markDelivered(deps.db, key);
      return 'sent';
    },
  };
}
