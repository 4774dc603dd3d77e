// POST /api/instances/:id/ready — the new VPS's cloud-init says it is up. Authenticated by a
// token derived from CALLBACK_SECRET and the instance id, compared in constant time before anything
// else; a wrong token is a 401 whether or not the instance exists, so the route reveals nothing.
// Only failures count against the per-IP limit, so nobody can jam a VPS's callback with bad ones.
import { Router, type Request } from 'express';
import { isValidCallbackToken } from '../../config/callback-token';
import { decodeJsonBody, readRawBody } from '../body';
import { isCallbackTokenUsed, markCallbackTokenUsed } from '../callback-use';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { perIpFailureLimiter, warnOnceOnUntrustedForwardedFor } from '../rate-limit';
import { ReadyBody } from '../schemas';
import { parseOr400 } from '../validate';

export function readyRoutes({ deps }: RouteContext, failuresPerIpPerMinute: number): Router {
  const router = Router();
  const { db } = deps.database;
  const tokenIsValid = (req: Request) => isValidCallbackToken(deps.config.callbackSecret, req.params.id as string, req.get('x-callback-token'));
  const valid = new WeakSet<Request>();

  router.post(
    '/api/instances/:id/ready',
    warnOnceOnUntrustedForwardedFor(deps.logger, deps.config.api.trustProxy),
    (req, _res, next) => {
      if (tokenIsValid(req)) valid.add(req);
      next();
    },
    perIpFailureLimiter(failuresPerIpPerMinute, (req) => !valid.has(req)),
    (req, _res, next) => next(valid.has(req) ? undefined : new ApiError('UNAUTHORIZED', 'missing or invalid X-Callback-Token')),
    ...readRawBody(),
    async (req, res) => {
      const id = req.params.id as string;
      const raw = decodeJsonBody(req);
      // No body means no fields; a JSON `null` is a body, and not an object.
      const body = parseOr400(ReadyBody, raw === undefined ? {} : raw);
      // Single-use: a repeat (curl retrying a lost answer, or anyone else on the VPS) is answered
      // like the first, so a retry never fails, but it signals nothing.
      if (await isCallbackTokenUsed(db, id)) {
        req.log.info({ instance_id: id }, 'ready callback repeated; its token is used up, no signal sent');
        res.status(200).json({ acknowledged: true });
        return;
      }
      // Signal, then mark: a crash between the two leaves the token usable once more (a duplicate
      // ready is a no-op for the workflow), never a VPS whose only callback was lost.
      const outcome = await deps.temporal.signalReady(id, {
        ...(body.openclaw_version !== undefined ? { openclawVersion: body.openclaw_version } : {}),
        ...(body.gateway_port !== undefined ? { gatewayPort: body.gateway_port } : {}),
      });
      await markCallbackTokenUsed(db, id);
      req.log.info({ instance_id: id, outcome }, 'ready callback');
      res.status(200).json({ acknowledged: true });
    },
  );
  return router;
}
