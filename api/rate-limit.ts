// Rate limits: per verified API key on the billing routes (after the signature, so nobody can
// spend a key's budget without its secret) and per client IP on the ready callback. In-memory
// windows: with several API replicas each enforces its own share.
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiError } from './errors';

export interface RateLimits {
  /** Signed requests per API key per minute. */
  perKeyPerMinute: number;
  /** Ready callbacks per client IP per minute. */
  perIpPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perKeyPerMinute: 1200, perIpPerMinute: 300 };

const WINDOW_MS = 60_000;

function limiter(limit: number, keyGenerator: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return rateLimit({
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
  return limiter(limit, (req) => `key:${req.apiKey ?? ''}`);
}

export function perIpLimiter(limit: number): RequestHandler {
  return limiter(limit, (req) => `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`);
}
