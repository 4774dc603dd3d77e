// Operations on an existing instance: suspend, unsuspend, reboot, resize, DELETE (terminate),
// and reading their progress.
import { Router, type Request } from 'express';
import type { z } from 'zod';
import type { OperationArgs } from '../../workflows/domain';
import { claimPendingNonceOnError } from '../auth/signature';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { findInstance, findOperation, isUuid, listOperations } from '../read-model';
import { idempotencyKey, requestedBy } from '../request-context';
import { requestOperation, type RequestableOperation } from '../request-operation';
import { OPERATIONS_PAGE, OperationsPageQuery, ReasonBody, ResizeBody, TerminateBody } from '../schemas';
import { parseOr400 } from '../validate';
import { operationView } from '../views';

export function operationRoutes({ deps, signed, signedWrite }: RouteContext): Router {
  const router = Router();
  const { db } = deps.database;

  async function handle(req: Request, type: RequestableOperation, schema: z.ZodType<OperationArgs>) {
    const key = idempotencyKey(req);
    // An absent body means "no options" (a JSON `null` is a body, and not an object);
    // validation comes before the lookup, so a bad body is a 400 whether or not the instance exists.
    const args = parseOr400(schema, req.body === undefined ? {} : req.body);
    const { instance, operation } = await requestOperation(
      { db, temporal: deps.temporal, catalog: deps.config.catalog, maxQueuedOperations: deps.config.maxQueuedOperations },
      { id: req.params.id as string },
      type,
      args,
      { requestedBy: requestedBy(req), idempotencyKey: key, nonce: req.pendingNonce },
    );
    req.log.info({ instance_id: instance.id, operation_id: operation.id, type }, 'operation requested');
    return { operation: operationView(operation) };
  }

  // The nonce is claimed in the request's own statement (api/operation-write.ts).
  for (const type of ['suspend', 'unsuspend', 'reboot'] as const) {
    router.post(`/api/instances/:id/${type}`, ...signedWrite, async (req, res) => {
      res.status(202).json(await handle(req, type, ReasonBody));
    });
  }
  router.post('/api/instances/:id/resize', ...signedWrite, async (req, res) => {
    res.status(202).json(await handle(req, 'resize', ResizeBody));
  });
  router.delete('/api/instances/:id', ...signedWrite, async (req, res) => {
    res.status(202).json(await handle(req, 'terminate', TerminateBody));
  });
  // Errors of the routes above (refused before their statement) still claim their nonce.
  router.use(claimPendingNonceOnError);

  router.get('/api/instances/:id/operations', ...signed, async (req, res) => {
    const query = parseOr400(OperationsPageQuery, req.query, 'query');
    const instance = await findInstance(db, req.params.id as string);
    if (!instance) throw new ApiError('NOT_FOUND', 'no such instance');
    const page = await listOperations(db, instance.id, {
      afterSeq: Number(query.after_seq ?? 0),
      limit: Number(query.limit ?? OPERATIONS_PAGE.defaultLimit),
    });
    res.json({ operations: page.rows.map(operationView), next_after_seq: page.nextAfterSeq });
  });

  router.get('/api/instances/:id/operations/:op_id', ...signed, async (req, res) => {
    // One query: the operation is looked up within the instance, so an unknown instance finds none.
    const instanceId = req.params.id as string;
    const operation = isUuid(instanceId) ? await findOperation(db, instanceId, req.params.op_id as string) : undefined;
    if (!operation) throw new ApiError('NOT_FOUND', 'no such operation');
    res.json(operationView(operation));
  });

  return router;
}
