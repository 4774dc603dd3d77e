// Requests from the billing system are signed exactly as the WHMCS module signs them:
//   X-API-Key, X-Timestamp (unix seconds), X-Signature = hex HMAC-SHA256(secret, raw_body + timestamp)
// Verified on the raw bytes, in constant time, within 300 s either way of our clock.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiKeyPair } from '../../config/env';
import { ApiError } from '../errors';

export const SIGNATURE_WINDOW_SECONDS = 300;

export interface SignedHeaders {
  'X-API-Key': string;
  'X-Timestamp': string;
  'X-Signature': string;
}

/** The signature of a body at a timestamp; what scripts/sign.ts and the WHMCS module compute. */
export function sign(secret: string, rawBody: Buffer | string, timestamp: string): string {
  return createHmac('sha256', secret).update(rawBody).update(timestamp).digest('hex');
}

export function signedHeaders(pair: ApiKeyPair, rawBody: Buffer | string, nowMs = Date.now()): SignedHeaders {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { 'X-API-Key': pair.key, 'X-Timestamp': timestamp, 'X-Signature': sign(pair.secret, rawBody, timestamp) };
}

export type Verification = { ok: true; key: string } | { ok: false; reason: 'missing' | 'timestamp' | 'signature' };

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

// Hashing first gives equal lengths, so the key comparison is constant-time too.
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export function verifySignature(
  pairs: readonly ApiKeyPair[],
  rawBody: Buffer,
  headers: { key?: string; timestamp?: string; signature?: string },
  nowMs: number,
): Verification {
  const { key, timestamp, signature } = headers;
  if (!key || !timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!TIMESTAMP.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: 'timestamp' };
  }
  if (!SIGNATURE.test(signature)) return { ok: false, reason: 'signature' };
  const presented = Buffer.from(signature, 'hex');
  const presentedKey = digest(key);
  let matched: string | undefined;
  // Every pair is checked, with no early exit: a rotated key may share its name with the new one.
  for (const pair of pairs) {
    const keyMatches = timingSafeEqual(digest(pair.key), presentedKey);
    const expected = createHmac('sha256', pair.secret).update(rawBody).update(timestamp).digest();
    const signatureMatches = timingSafeEqual(expected, presented);
    if (keyMatches && signatureMatches) matched = pair.key;
  }
  return matched === undefined ? { ok: false, reason: 'signature' } : { ok: true, key: matched };
}

const MESSAGES: Record<'missing' | 'timestamp' | 'signature', string> = {
  missing: 'sign the request with X-API-Key, X-Timestamp and X-Signature',
  timestamp: `X-Timestamp must be unix seconds within ${SIGNATURE_WINDOW_SECONDS} s of the server's clock`,
  signature: 'the signature does not match',
};

/** Needs req.rawBody (readRawBody) before it; sets req.apiKey on success, 401 otherwise. */
export function requireSignature(pairs: readonly ApiKeyPair[], now: () => number): RequestHandler {
  return (req, _res, next) => {
    const result = verifySignature(
      pairs,
      req.rawBody ?? Buffer.alloc(0),
      { key: req.get('x-api-key'), timestamp: req.get('x-timestamp'), signature: req.get('x-signature') },
      now(),
    );
    if (!result.ok) throw new ApiError('UNAUTHORIZED', MESSAGES[result.reason]);
    req.apiKey = result.key;
    next();
  };
}
