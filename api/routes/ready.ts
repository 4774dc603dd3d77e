// POST /api/instances/:id/ready — the new VPS's cloud-init says it is up. Authenticated by a
// token derived from CALLBACK_SECRET and the instance id, compared in constant time; a wrong
// token is a 401 whether or not the instance exists, so the route reveals nothing.
import { Router } from 'express';
import { isValidCallbackToken } from '../../config/callback-token';
import { decodeJsonBody, readRawBody } from '../body';
import type { RouteContext } from '../deps';
import { ApiError } from '../errors';
import { perIpLimiter } from '../rate-limit';
import { ReadyBody } from '../schemas';
import { parseOr400 } from '../validate';

export function readyRoutes({ deps }: RouteContext, perIpPerMinute: number): Router {
  const router = Router();
  router.post('/api/instances/:id/ready', perIpLimiter(perIpPerMinute), ...readRawBody(), async (req, res) => {
    const id = req.params.id as string;
    if (!isValidCallbackToken(deps.config.callbackSecret, id, req.get('x-callback-token'))) {
      throw new ApiError('UNAUTHORIZED', 'missing or invalid X-Callback-Token');
    }
    const raw = decodeJsonBody(req);
    // No body means no fields; a JSON `null` is a body, and not an object.
    const body = parseOr400(ReadyBody, raw === undefined ? {} : raw);
    const outcome = await deps.temporal.signalReady(id, {
      ...(body.openclaw_version !== undefined ? { openclawVersion: body.openclaw_version } : {}),
      ...(body.gateway_port !== undefined ? { gatewayPort: body.gateway_port } : {}),
    });
    req.log.info({ instance_id: id, outcome }, 'ready callback');
    res.status(200).json({ acknowledged: true });
  });
  return router;
}
