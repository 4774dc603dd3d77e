// What the API needs from the outside world; main.ts wires the real ones, tests wire fakes.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config/api-config';
import type { DatabaseHandle } from '../schema/db';
import type { ApiMetrics } from './metrics';
import type { RateLimits } from './rate-limit';
import type { TemporalGateway } from './temporal-gateway';

export interface ApiDeps {
  config: ApiConfig;
  database: DatabaseHandle;
  temporal: TemporalGateway;
  logger: Logger;
  /** Clock for signature windows (ms since epoch); tests move it. */
  now?: () => number;
  rateLimits?: Partial<RateLimits>;
  /** The request metrics the app counts into; main.ts serves them on API_METRICS_ADDRESS. */
  metrics?: ApiMetrics;
}

/** What each route module gets: the deps plus the signed-route middleware chain. */
export interface RouteContext {
  deps: ApiDeps;
  /** raw body → signature → per-key rate limit → JSON body (for POST/DELETE). */
  signed: RequestHandler[];
  /** The same, but the nonce is left in req.pendingNonce for the route's own write to claim
   * (end the route with claimPendingNonceOnError). */
  signedWrite: RequestHandler[];
}
