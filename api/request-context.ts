// What the API's middleware learns about a request and hands to the routes.
import type { Request } from 'express';
import { SIGNING_PATTERNS } from '../config/request-signing';
import type { PendingNonce } from './auth/replay-store';
import { ApiError } from './errors';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The exact bytes received (empty when there was no body): what the signature covers. */
      rawBody?: Buffer;
      /** The API key whose signature verified; set only on signed routes. */
      apiKey?: string;
      /** A verified nonce the route claims in its own write (signature.ts, deferClaim). */
      pendingNonce?: PendingNonce;
    }
  }
}

export function requestedBy(req: Request): string {
  return `whmcs:${req.apiKey ?? 'unknown'}`;
}

/**
 * The `Idempotency-Key` header: printable ASCII, 1–200 characters. The signature gate has already
 * required it on POST and DELETE and refused a malformed one; this is the routes' way to read it.
 */
export function idempotencyKey(req: Request): string | undefined {
  const value = req.get('idempotency-key');
  if (value === undefined) return undefined;
  if (!SIGNING_PATTERNS.idempotencyKey.test(value)) {
    throw new ApiError('VALIDATION_ERROR', 'Idempotency-Key must be 1–200 printable ASCII characters', [
      { path: 'Idempotency-Key', message: 'invalid header value' },
    ]);
  }
  return value;
}
