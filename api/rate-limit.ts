// Rate limits: per verified API key on the billing routes (after the signature, so nobody can
// spend a key's budget without its secret) and per client IP on the ready callback's failures. In-memory
// windows: with several API replicas each enforces its own share.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import type { Logger } from 'pino';
import { ApiError } from './errors';

export interface RateLimits {
  /** Signed requests per API key per minute. */
  perKeyPerMinute: number;
  /** Failed ready callbacks (wrong or missing token) per client IP per minute; valid ones are never counted. */
  perIpPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perKeyPerMinute: 1200, perIpPerMinute: 300 };

const WINDOW_MS = 60_000;

function limiter(limit: number, keyGenerator: (req: Request) => string, options: Partial<Options> = {}): RequestHandler {
  return rateLimit({
    ...options,
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator,
    // Retry-After is already set when the handler runs; we only shape the body.
    handler: (_req, _res, next) => next(new ApiError('RATE_LIMITED', 'too many requests; retry after the time in Retry-After')),
    validate: { xForwardedForHeader: false },
  });
}

export function perKeyLimiter(limit: number): RequestHandler {
  // A write route claims its nonce after the limiter (inside its own statement), so a replay is
  // refused there with 401: it gives its count back, or a captured request replayed in a loop would
  // spend the key's budget without the secret.
  return limiter(limit, (req) => `key:${req.apiKey ?? ''}`, { skipFailedRequests: true, requestWasSuccessful: (_req, res) => res.statusCode !== 401 });
}

/**
 * Counts and limits only the requests `isFailure` picks (checked before the limiter runs): a flood
 * of bad tokens from one address, or from every VPS behind one proxy, never spends the budget a
 * valid callback needs, because a valid one is not counted and never refused.
 */
export function perIpFailureLimiter(limit: number, isFailure: (req: Request) => boolean): RequestHandler {
  return limiter(limit, (req) => `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`, { skip: (req) => !isFailure(req) });
}

/**
 * Behind a reverse proxy without API_TRUST_PROXY every VPS seems to come from the proxy, so they
 * share one failure budget. Says so once, the first time an X-Forwarded-For header arrives.
 */
export function warnOnceOnUntrustedForwardedFor(logger: Logger, trustProxy: number | string | undefined): RequestHandler {
  let warned = trustProxy !== undefined;
  return (req, _res, next) => {
    if (!warned && req.get('x-forwarded-for') !== undefined) {
      warned = true;
      logger.warn(
        { remote_address: req.socket.remoteAddress },
        'X-Forwarded-For arrived but API_TRUST_PROXY is unset: every client behind that proxy shares one per-IP limit on ready callbacks; set API_TRUST_PROXY to the proxy hops or addresses',
      );
    }
    next();
  };
}
