// Tells the billing system what happened: signature v2 with direction `webhook` and its own
// secret (BILLING_WEBHOOK_SECRET), so no signature can be reflected between the two directions,
// with an Idempotency-Key so a repeat after a lost answer is recognised on its side.
import { signWebhook } from '../config/request-signing';
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

export type BillingDeps = Pick<ActivityDeps, 'db' | 'billing'>;

export function createBillingActivities(deps: BillingDeps) {
  return {
    async notifyBilling(input: BillingEvent): Promise<'sent' | 'already sent' | 'not configured'> {
      const { url, webhookSecret } = deps.billing;
      if (!url || !webhookSecret) return 'not configured';
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
      const what = `send ${input.event} webhook for instance ${input.instanceId}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...signWebhook(webhookSecret, { url, body, idempotencyKey: deliveryKey(key) }) },
          body,
          // A redirect would re-send the signed body to wherever the answer points.
          redirect: 'error',
          signal: AbortSignal.timeout(deps.billing.timeoutMs ?? 10_000),
        });
      } catch (error) {
        // fetch's own message is only "fetch failed"; the cause says why (e.g. "unexpected redirect").
        const reason = String((error as { cause?: unknown }).cause ?? error);
        await markDeliveryFailed(deps.db, key, reason);
        throw classify(new ProviderError('billing webhook', undefined, 'network_error', reason), what);
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
