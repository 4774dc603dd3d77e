// The Express app: authenticates, validates, reads the read model, starts workflows and sends
// signals — nothing else. Built from its dependencies so tests can run it on fakes.
import express from 'express';
import { readRawBody, parseJsonBody } from './body';
import { createReplayStore } from './auth/replay-store';
import { requireSignature, warnIfV1Accepted } from './auth/signature';
import type { ApiDeps, RouteContext } from './deps';
import { errorHandler, notFoundHandler } from './errors';
import { requestLogger } from './logging';
import { createApiMetrics } from './metrics';
import { DEFAULT_RATE_LIMITS, perKeyLimiter } from './rate-limit';
import { catalogRoutes } from './routes/catalog';
import { docsRoutes } from './routes/docs';
import { healthRoutes } from './routes/health';
import { instanceRoutes } from './routes/instances';
import { operationRoutes } from './routes/operations';
import { readyRoutes } from './routes/ready';
import { vpsOperationRoutes } from './routes/vps-operations';
import { webhookRoutes } from './routes/webhooks';
import { billingWebhookRoutes } from './routes/billing-webhooks';

export type { ApiDeps } from './deps';

export function createApp(deps: ApiDeps): express.Express {
  const now = deps.now ?? Date.now;
  const limits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits };
  const signature = { pairs: deps.config.apiKeys, acceptV1: deps.config.acceptV1Signatures, replay: createReplayStore(deps.database.db), now };
  const keyLimiter = perKeyLimiter(limits.perKeyPerMinute);
  const context: RouteContext = {
    deps,
    signed: [...readRawBody(), requireSignature(signature), keyLimiter, parseJsonBody],
    signedWrite: [...readRawBody(), requireSignature(signature, { deferClaim: true }), keyLimiter, parseJsonBody],
  };
  warnIfV1Accepted(deps.config.acceptV1Signatures, deps.logger);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind a reverse proxy every ready callback would otherwise come from the proxy's address and
  // share one per-IP budget; X-Forwarded-For is believed only from the proxies named here.
  if (deps.config.api.trustProxy !== undefined) app.set('trust proxy', deps.config.api.trustProxy);
  // First: counts every request below it. GET /metrics is served on its own listener (api/metrics-server.ts).
  app.use((deps.metrics ?? createApiMetrics()).handler);
  app.use(requestLogger(deps.logger));
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.use(healthRoutes(context));
  app.use(docsRoutes(context));
  // Before the signed routes: the callback authenticates with its token, not a signature.
  app.use(readyRoutes(context, limits.perIpPerMinute));
  app.use(instanceRoutes(context));
  app.use(operationRoutes(context));
  app.use(vpsOperationRoutes(context));
  app.use(webhookRoutes(context));
  // Signed by Paddle or Stripe themselves, not with Hostflow's key pairs.
  app.use(billingWebhookRoutes(context));
  app.use(catalogRoutes(context));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
