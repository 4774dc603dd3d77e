// The signed routes' gate: headers well-formed, timestamp canonical and fresh, signature v2 over
// method + path with query + nonce + Idempotency-Key + body (config/request-signing.ts), then
// the nonce claimed in the shared replay table. Legacy v1 only when API_ACCEPT_V1_SIGNATURES.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ApiKeyPair } from '../../config/signing-pairs';
import { needsIdempotencyKey, SIGNATURE_WINDOW_SECONDS, SIGNING_PATTERNS, verifyV1, verifyV2 } from '../../config/request-signing';
import { ApiError } from '../errors';
import type { PendingNonce, ReplayStore } from './replay-store';

export type Refusal = 'missing' | 'timestamp' | 'nonce' | 'signature' | 'v1' | 'replay';

const REFUSALS: Record<Refusal, string> = {
  missing: 'sign the request with X-API-Key, X-Timestamp, X-Nonce and X-Signature (signature v2)',
  timestamp: `X-Timestamp must be canonical unix seconds within ${SIGNATURE_WINDOW_SECONDS} s of the server's clock`,
  nonce: 'X-Nonce must be 16–64 characters of A-Z a-z 0-9 _ -, new for every request',
  signature: 'the signature does not match',
  v1: 'v1 signatures (body + timestamp) are refused; sign with v2',
  replay: 'this request was already received (X-Nonce reused); sign every request with a new nonce',
};

const refuse = (reason: Refusal) => new ApiError('UNAUTHORIZED', REFUSALS[reason]);

export interface SignatureOptions {
  pairs: readonly ApiKeyPair[];
  acceptV1: boolean;
  replay: ReplayStore;
  now: () => number;
}

/** The Idempotency-Key header, checked; required on POST and DELETE (400 otherwise). */
function checkedIdempotencyKey(req: Request): string | undefined {
  const value = req.get('idempotency-key');
  if (value === undefined && !needsIdempotencyKey(req.method)) return undefined;
  if (value === undefined || !SIGNING_PATTERNS.idempotencyKey.test(value)) {
    throw new ApiError('VALIDATION_ERROR', 'every POST and DELETE needs an Idempotency-Key of 1–200 printable ASCII characters', [
      { path: 'Idempotency-Key', message: value === undefined ? 'required' : 'invalid header value' },
    ]);
  }
  return value;
}

interface Presented {
  key: string;
  timestamp: string;
  signature: string;
}

/** Verifies a v2 signature; answers the verified key and the nonce to claim. */
function verifyRequestV2(req: Request, options: SignatureOptions, presented: Presented): { key: string; nonce: string } {
  const nonce = req.get('x-nonce');
  if (nonce === undefined) throw refuse('missing');
  if (!SIGNING_PATTERNS.nonce.test(nonce)) throw refuse('nonce');
  const parts = {
    direction: 'request' as const,
    method: req.method,
    target: req.originalUrl,
    timestamp: presented.timestamp,
    nonce,
    idempotencyKey: req.get('idempotency-key'),
    body: req.rawBody ?? Buffer.alloc(0),
  };
  const key = verifyV2(options.pairs, presented.key, parts, presented.signature);
  if (key === undefined) throw refuse('signature');
  return { key, nonce };
}

/** Verifies a legacy v1 signature; only an exact repeat of a POST/DELETE is claimed as a nonce. */
function verifyRequestV1(req: Request, options: SignatureOptions, presented: Presented): { key: string; nonce: string | undefined } {
  if (!options.acceptV1) throw refuse('v1');
  const key = verifyV1(options.pairs, presented.key, req.rawBody ?? Buffer.alloc(0), presented.timestamp, presented.signature);
  if (key === undefined) throw refuse('signature');
  return { key, nonce: needsIdempotencyKey(req.method) ? `v1:${presented.signature.toLowerCase()}` : undefined };
}

/**
 * Needs req.rawBody (readRawBody) before it; sets req.apiKey on success; 401 (or 400) otherwise.
 * `deferClaim`: the nonce is not inserted here but left in req.pendingNonce for the route to
 * claim inside its own write (one round trip instead of two); the route must then end with
 * `claimPendingNonceOnError`, so a request refused before its write still burns its nonce.
 */
export function requireSignature(options: SignatureOptions, { deferClaim = false } = {}): RequestHandler {
  return async (req, _res, next) => {
    const [key, timestamp, signature] = [req.get('x-api-key'), req.get('x-timestamp'), req.get('x-signature')];
    if (!key || !timestamp || !signature) throw refuse('missing');
    const nowMs = options.now();
    if (!SIGNING_PATTERNS.timestamp.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) {
      throw refuse('timestamp');
    }
    const presented = { key, timestamp, signature };
    const verified = signature.startsWith('v2=') ? verifyRequestV2(req, options, presented) : verifyRequestV1(req, options, presented);
    checkedIdempotencyKey(req);
    req.apiKey = verified.key;
    if (verified.nonce !== undefined && deferClaim) {
      const { key: apiKey, nonce } = verified;
      const pending: PendingNonce = {
        apiKey,
        nonce,
        nowMs,
        claimed: false,
        async claim() {
          if (pending.claimed) return;
          pending.claimed = true;
          if (!(await options.replay.claim(apiKey, nonce, nowMs))) throw refuse('replay');
        },
      };
      req.pendingNonce = pending;
      await options.replay.purge(nowMs);
    } else if (verified.nonce !== undefined && !(await options.replay.claim(verified.key, verified.nonce, nowMs))) {
      // One insert before the route runs, for routes with no write of their own to ride in.
      throw refuse('replay');
    }
    next();
  };
}

/** The replay refusal, for a route that found its nonce taken inside its own write. */
export const replayRefusal = (): ApiError => refuse('replay');

/** Last in a deferClaim route: an error before the route's write claims the nonce on its own (a replay then answers 401, as it would have before the route ran). */
export const claimPendingNonceOnError: ErrorRequestHandler = (error: unknown, req, _res, next) => {
  const pending = req.pendingNonce;
  if (!pending || pending.claimed) return next(error);
  pending.claim().then(
    () => next(error),
    (claimError: unknown) => next(claimError),
  );
};

/** Said once at start: what accepting v1 costs. */
export function warnIfV1Accepted(acceptV1: boolean, logger: Logger): void {
  if (!acceptV1) return;
  logger.warn(
    'API_ACCEPT_V1_SIGNATURES=true: v1 signatures cover only body + timestamp, so for 300 s a captured GET can be re-aimed at any path or method (a DELETE included) and a signed body at any instance; turn it off once every client signs v2',
  );
}
