// POST /api/webhooks/whmcs — billing events mapped onto operations:
//   InvoicePaid → unsuspend, ServiceCancelled → terminate, ServiceUpgrade → resize.
// Any other event is logged and answered 202 without effect, so WHMCS stops retrying it.
import { Router } from 'express';
import type { OperationArgs } from '../../workflows/domain';
import type { RouteContext } from '../deps';
import { claimPendingNonceOnError } from '../auth/signature';
import { idempotencyKey, requestedBy } from '../request-context';
import { requestOperation } from '../request-operation';
import { KNOWN_WEBHOOK_SCHEMAS, WEBHOOK_EVENTS, WebhookEnvelope, type KnownWebhookEvent } from '../schemas';
import { parseOr400 } from '../validate';
import { operationView } from '../views';

const isKnown = (event: string): event is KnownWebhookEvent => Object.hasOwn(WEBHOOK_EVENTS, event);

export function webhookRoutes({ deps, signedWrite }: RouteContext): Router {
  const router = Router();
  const { db } = deps.database;

  // The nonce is claimed in the mapped operation's own statement (api/operation-write.ts).
  router.post('/api/webhooks/whmcs', ...signedWrite, async (req, res) => {
    const key = idempotencyKey(req);
    const { event } = parseOr400(WebhookEnvelope, req.body);
    if (!isKnown(event)) {
      // No statement of its own to claim the nonce in: a replay of an ignored event is refused too.
      await req.pendingNonce?.claim();
      req.log.info({ event: event.slice(0, 100) }, 'WHMCS event ignored');
      res.status(202).json({ event, ignored: true });
      return;
    }
    const body = parseOr400(KNOWN_WEBHOOK_SCHEMAS[event], req.body);
    const args: OperationArgs =
      body.event === 'ServiceUpgrade'
        ? { plan: body.plan }
        : body.event === 'ServiceCancelled'
          ? { ...(body.snapshot !== undefined ? { snapshot: body.snapshot } : {}), ...(body.reason !== undefined ? { reason: body.reason } : {}) }
          : { reason: `WHMCS InvoicePaid${body.invoice_id !== undefined ? ` #${body.invoice_id}` : ''}` };
    const { instance, operation } = await requestOperation(
      { db, temporal: deps.temporal, catalog: deps.config.catalog, maxQueuedOperations: deps.config.maxQueuedOperations },
      { whmcsServiceId: body.service_id },
      WEBHOOK_EVENTS[event],
      args,
      { requestedBy: requestedBy(req), idempotencyKey: key, nonce: req.pendingNonce },
    );
    req.log.info({ event, instance_id: instance.id, operation_id: operation.id }, 'WHMCS event mapped to an operation');
    res.status(202).json({ event, operation: operationView(operation) });
  });
  // Errors of the route above (refused before its statement) still claim its nonce.
  router.use(claimPendingNonceOnError);

  return router;
}
