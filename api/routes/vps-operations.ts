// The VPS's own operations: rebuild (reinstall or restore a snapshot), reset-password, and
// snapshots (list, take, delete). Each change is a queued operation through the entity workflow,
// like suspend or resize; what can be checked here (the image is in the catalog, the snapshot is
// this instance's) is refused before anything starts.
import { Router, type Request } from 'express';
import type { InstanceRow } from '../../schema/tables';
import type { OperationArgs } from '../../workflows/domain';
import { claimPendingNonceOnError } from '../auth/signature';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { findInstance } from '../read-model';
import { idempotencyKey, requestedBy } from '../request-context';
import { requestOperation, type RequestableOperation } from '../request-operation';
import { ReasonBody } from '../schemas';
import { findSnapshot, listSnapshots, snapshotView } from '../snapshot-read-model';
import { parseOr400 } from '../validate';
import { operationView } from '../views';
import { EmptyBody, RebuildBody, SnapshotBody } from '../vps-schemas';

export function vpsOperationRoutes({ deps, signed, signedWrite }: RouteContext): Router {
  const router = Router();
  const { db } = deps.database;
  const { catalog } = deps.config;

  async function instanceOf(req: Request): Promise<InstanceRow> {
    const instance = await findInstance(db, req.params.id as string);
    if (!instance) throw new ApiError('NOT_FOUND', 'no such instance');
    return instance;
  }

  async function snapshotOf(instance: InstanceRow, raw: string | number, path: string): Promise<number> {
    const id = typeof raw === 'number' ? raw : /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || !(await findSnapshot(db, instance.id, id))) {
      throw new ApiError('NOT_FOUND', 'no such snapshot of this instance', [{ path, message: 'unknown snapshot' }]);
    }
    return id;
  }

  /** The instance is read in the request's own statement, which also claims the nonce (api/operation-write.ts). */
  async function request(req: Request, type: RequestableOperation, args: OperationArgs) {
    const { instance, operation } = await requestOperation(
      { db, temporal: deps.temporal, catalog, maxQueuedOperations: deps.config.maxQueuedOperations },
      { id: req.params.id as string },
      type,
      args,
      { requestedBy: requestedBy(req), idempotencyKey: idempotencyKey(req), nonce: req.pendingNonce },
    );
    req.log.info({ instance_id: instance.id, operation_id: operation.id, type }, 'operation requested');
    return { operation: operationView(operation) };
  }

  // Bodies are validated before the instance is looked up: a bad body is a 400 whether or not it exists.
  const bodyOf = (req: Request): unknown => (req.body === undefined ? {} : req.body);

  router.post('/api/instances/:id/rebuild', ...signedWrite, async (req, res) => {
    const body = parseOr400(RebuildBody, bodyOf(req));
    if (body.image !== undefined && !catalog.images.includes(body.image)) {
      throw new ApiError('VALIDATION_ERROR', 'the body is invalid', [{ path: 'image', message: `not an image of the catalog (${catalog.images.join(', ')})` }]);
    }
    // A snapshot must be this instance's, so only then is the instance read before the request.
    const args: OperationArgs = body.image !== undefined ? { image: body.image } : { snapshotId: await snapshotOf(await instanceOf(req), body.snapshot_id!, 'snapshot_id') };
    res.status(202).json(await request(req, 'rebuild', args));
  });

  router.post('/api/instances/:id/reset-password', ...signedWrite, async (req, res) => {
    const body = parseOr400(ReasonBody, bodyOf(req));
    res.status(202).json(await request(req, 'reset_password', body));
  });

  router.get('/api/instances/:id/snapshots', ...signed, async (req, res) => {
    const instance = await instanceOf(req);
    res.json({ snapshots: (await listSnapshots(db, instance.id)).map(snapshotView) });
  });

  router.post('/api/instances/:id/snapshots', ...signedWrite, async (req, res) => {
    const body = parseOr400(SnapshotBody, bodyOf(req));
    const args: OperationArgs = body.description !== undefined ? { description: body.description } : {};
    res.status(202).json(await request(req, 'snapshot', args));
  });

  router.delete('/api/instances/:id/snapshots/:snapshot_id', ...signedWrite, async (req, res) => {
    parseOr400(EmptyBody, bodyOf(req));
    const snapshotId = await snapshotOf(await instanceOf(req), req.params.snapshot_id as string, 'snapshot_id');
    res.status(202).json(await request(req, 'delete_snapshot', { snapshotId }));
  });
  // Errors of the write routes above (refused before their statement) still claim their nonce.
  router.use(claimPendingNonceOnError);

  return router;
}
