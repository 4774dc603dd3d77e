// POST /api/instances/:id/ready and /failed — the VPS's cloud-init says it is up, or that its
// install failed (with a short reason). Authenticated by a token derived from CALLBACK_SECRET and
// the instance id, compared in constant time before anything else; a wrong token is a 401 whether
// or not the instance exists, so the route reveals nothing. Only failures count against the
// per-IP limit, so nobody can jam a VPS's callback with bad ones. Both signal the operation that
// waits for the VPS: its provision, or a rebuild (vm-callback-target.ts).
import { Router, type Request, type Response } from 'express';
import { isValidCallbackToken } from '../../config/callback-token';
import { decodeJsonBody, readRawBody } from '../body';
import { isCallbackTokenUsed, markCallbackTokenUsed } from '../callback-use';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { perIpFailureLimiter, warnOnceOnUntrustedForwardedFor } from '../rate-limit';
import { ReadyBody } from '../schemas';
import type { VmReport } from '../temporal-gateway';
import { parseOr400 } from '../validate';
import { FailedBody } from '../vps-schemas';
import { vmCallbackWorkflowId } from '../vm-callback-target';

export function readyRoutes({ deps }: RouteContext, failuresPerIpPerMinute: number): Router {
  const router = Router();
  const { db } = deps.database;
  const tokenIsValid = (req: Request) => isValidCallbackToken(deps.config.callbackSecret, req.params.id as string, req.get('x-callback-token'));
  const valid = new WeakSet<Request>();
  const authenticated = [
    warnOnceOnUntrustedForwardedFor(deps.logger, deps.config.api.trustProxy),
    (req: Request, _res: Response, next: (error?: unknown) => void) => {
      if (tokenIsValid(req)) valid.add(req);
      next();
    },
    perIpFailureLimiter(failuresPerIpPerMinute, (req) => !valid.has(req)),
    (req: Request, _res: Response, next: (error?: unknown) => void) => next(valid.has(req) ? undefined : new ApiError('UNAUTHORIZED', 'missing or invalid X-Callback-Token')),
    ...readRawBody(),
  ];

  /** Single-use token: a repeat (curl retrying a lost answer, or anyone else on the VPS) is answered like the first, but signals nothing. */
  async function report(req: Request, res: Response, vm: VmReport): Promise<void> {
    const id = req.params.id as string;
    if (await isCallbackTokenUsed(db, id)) {
      req.log.info({ instance_id: id, kind: vm.kind }, 'VPS callback repeated; its token is used up, no signal sent');
      res.status(200).json({ acknowledged: true });
      return;
    }
    // Signal, then mark: a crash between the two leaves the token usable once more (a duplicate
    // report is a no-op for the workflow), never a VPS whose only callback was lost.
    const workflowId = await vmCallbackWorkflowId(db, id);
    const outcome = await deps.temporal.signalVm(workflowId, vm);
    await markCallbackTokenUsed(db, id);
    req.log.info({ instance_id: id, kind: vm.kind, workflow_id: workflowId, outcome }, 'VPS callback');
    res.status(200).json({ acknowledged: true });
  }

  // No body means no fields; a JSON `null` is a body, and not an object.
  const bodyOf = (req: Request): unknown => {
    const raw = decodeJsonBody(req);
    return raw === undefined ? {} : raw;
  };

  router.post('/api/instances/:id/ready', ...authenticated, async (req, res) => {
    const body = parseOr400(ReadyBody, bodyOf(req));
    await report(req, res, {
      kind: 'ready',
      payload: {
        ...(body.openclaw_version !== undefined ? { openclawVersion: body.openclaw_version } : {}),
        ...(body.gateway_port !== undefined ? { gatewayPort: body.gateway_port } : {}),
      },
    });
  });

  router.post('/api/instances/:id/failed', ...authenticated, async (req, res) => {
    const body = parseOr400(FailedBody, bodyOf(req));
    await report(req, res, { kind: 'failed', payload: { reason: body.reason } });
  });
  return router;
}
