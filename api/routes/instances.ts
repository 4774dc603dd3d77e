// POST /api/instances, GET /api/instances/:id, GET /api/instances?whmcs_service_id=N
import { Router } from 'express';
import { instanceUrl } from '../../workflows/ids';
import { claimPendingNonceOnError } from '../auth/signature';
import { createInstance } from '../create-instance';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { findInstance, findInstanceByServiceId, loadInstanceView } from '../read-model';
import { refuseReservedHostname } from '../reserved-hostnames';
import { idempotencyKey, requestedBy } from '../request-context';
import { CreateInstanceBody, ListInstancesQuery } from '../schemas';
import { parseOr400 } from '../validate';
import { operationView } from '../views';

export function instanceRoutes({ deps, signed, signedWrite }: RouteContext): Router {
  const router = Router();
  const { db } = deps.database;
  const domain = deps.config.domain;

  // The nonce is claimed in the create's own statement (api/instance-write.ts).
  router.post('/api/instances', ...signedWrite, async (req, res) => {
    const key = idempotencyKey(req);
    const body = parseOr400(CreateInstanceBody, req.body);
    refuseReservedHostname(body.hostname, deps.config.reservedHostnames);
    const { instance, operation, created } = await createInstance(
      { db, temporal: deps.temporal, config: deps.config },
      body,
      { requestedBy: requestedBy(req), idempotencyKey: key, nonce: req.pendingNonce },
    );
    req.log.info({ instance_id: instance.id, created }, created ? 'instance created' : 'instance already existed');
    res.status(202).json({
      id: instance.id,
      status: instance.status,
      subdomain: instance.subdomain,
      url: instanceUrl(instance.subdomain, domain),
      operation: operationView(operation),
    });
  });
  // Errors of the route above (refused before its write) still claim its nonce.
  router.use(claimPendingNonceOnError);

  router.get('/api/instances', ...signed, async (req, res) => {
    const query = parseOr400(ListInstancesQuery, req.query, 'query');
    const row = await findInstanceByServiceId(db, Number(query.whmcs_service_id));
    res.json({ instances: row ? [await loadInstanceView(db, row, domain)] : [] });
  });

  router.get('/api/instances/:id', ...signed, async (req, res) => {
    const row = await findInstance(db, req.params.id as string);
    if (!row) throw new ApiError('NOT_FOUND', 'no such instance');
    res.json(await loadInstanceView(db, row, domain));
  });

  return router;
}
