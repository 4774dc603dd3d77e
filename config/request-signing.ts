// Signature v2, the one HMAC scheme between the billing system and Hostflow, in both directions
// (README, "Signing"). The signed string binds the direction, method, path with query, timestamp,
// nonce, Idempotency-Key and a hash of the body, so a captured signature cannot be re-aimed at
// another route, instance, body or direction; the API's replay table makes each nonce single-use.
// Lives in config/ so the API, the webhook activity, `npm run sign`, the bench and the tests
// all import this one module.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** How far X-Timestamp may be from the verifier's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export const SIGNING_PATTERNS = {
  /** Canonical unix seconds: no sign, no leading zero, no exponent, so one instant has one spelling. */
  timestamp: /^(0|[1-9][0-9]{0,11})$/,
  nonce: /^[A-Za-z0-9_-]{16,64}$/,
  idempotencyKey: /^[\x21-\x7e]{1,200}$/,
  v2Signature: /^v2=[0-9a-f]{64}$/,
  /** The seed's scheme: bare hex HMAC(secret, raw_body + timestamp), accepted only when enabled. */
  v1Signature: /^[0-9a-fA-F]{64}$/,
} as const;

/** `request`: billing system → Hostflow; `webhook`: Hostflow → billing system (its own secret). */
export type SigningDirection = 'request' | 'webhook';

export interface SigningKeyPair {
  key: string;
  secret: string;
}

/** Everything the v2 signature covers. */
export interface SignedRequestParts {
  direction: SigningDirection;
  method: string;
  /** Path with query string exactly as on the request line, e.g. `/api/instances?whmcs_service_id=7`. */
  target: string;
  timestamp: string;
  nonce: string;
  /** Absent (a GET) signs as the empty string. */
  idempotencyKey: string | undefined;
  body: Buffer | string;
}

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The 8 lines that are signed, joined by "\n" without a trailing newline. */
export function canonicalString(parts: SignedRequestParts): string {
  return [
    'hostflow-v2',
    parts.direction,
    parts.method.toUpperCase(),
    parts.target,
    parts.timestamp,
    parts.nonce,
    parts.idempotencyKey ?? '',
    sha256Hex(parts.body),
  ].join('\n');
}

const hmacV2 = (secret: string, parts: SignedRequestParts): Buffer => createHmac('sha256', secret).update(canonicalString(parts)).digest();

/** The X-Signature value: `v2=` + lowercase hex HMAC-SHA256(secret, canonical string). */
export function signV2(secret: string, parts: SignedRequestParts): string {
  return `v2=${hmacV2(secret, parts).toString('hex')}`;
}

const hmacV1 = (secret: string, body: Buffer | string, timestamp: string): Buffer => createHmac('sha256', secret).update(body).update(timestamp).digest();

/** The legacy v1 X-Signature: hex HMAC-SHA256(secret, raw_body + timestamp). Verification only, and tests. */
export function signV1(secret: string, body: Buffer | string, timestamp: string): string {
  return hmacV1(secret, body, timestamp).toString('hex');
}

/** Parses `v2=<hex>` into its bytes; undefined when malformed. */
function v2Bytes(signature: string): Buffer | undefined {
  return SIGNING_PATTERNS.v2Signature.test(signature) ? Buffer.from(signature.slice(3), 'hex') : undefined;
}

/** One secret (the webhook's): constant-time comparison of a v2 signature. */
export function verifyV2WithSecret(secret: string, parts: SignedRequestParts, signature: string): boolean {
  const presented = v2Bytes(signature);
  return presented !== undefined && timingSafeEqual(hmacV2(secret, parts), presented);
}

// Hashing first gives equal lengths, so the key comparison is constant-time too.
const keyDigest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The pair whose key is `key` and whose secret made `presented`. Every pair is checked, with no
 * early exit: during a rotation two pairs may share a key, and timing must not tell which matched.
 */
function matchingKey(pairs: readonly SigningKeyPair[], key: string, presented: Buffer, expected: (secret: string) => Buffer): string | undefined {
  const presentedKey = keyDigest(key);
  let matched: string | undefined;
  for (const pair of pairs) {
    const keyMatches = timingSafeEqual(keyDigest(pair.key), presentedKey);
    const signatureMatches = timingSafeEqual(expected(pair.secret), presented);
    if (keyMatches && signatureMatches) matched = pair.key;
  }
  return matched;
}

/** The verified API key of a v2-signed request, or undefined. */
export function verifyV2(pairs: readonly SigningKeyPair[], key: string, parts: SignedRequestParts, signature: string): string | undefined {
  const presented = v2Bytes(signature);
  return presented === undefined ? undefined : matchingKey(pairs, key, presented, (secret) => hmacV2(secret, parts));
}

/** The verified API key of a v1-signed request, or undefined. */
export function verifyV1(pairs: readonly SigningKeyPair[], key: string, body: Buffer, timestamp: string, signature: string): string | undefined {
  if (!SIGNING_PATTERNS.v1Signature.test(signature)) return undefined;
  const presented = Buffer.from(signature, 'hex');
  return matchingKey(pairs, key, presented, (secret) => hmacV1(secret, body, timestamp));
}

/** 32 URL-safe characters from 24 random bytes. */
export const newNonce = (): string => randomBytes(24).toString('base64url');

export const unixSeconds = (nowMs: number): string => String(Math.floor(nowMs / 1000));

/** POST and DELETE change state, so each must carry an Idempotency-Key. */
export const needsIdempotencyKey = (method: string): boolean => ['POST', 'DELETE'].includes(method.toUpperCase());

export interface RequestToSign {
  method: string;
  target: string;
  body?: Buffer | string;
  /** Default: a random UUID on POST and DELETE, none on GET. */
  idempotencyKey?: string;
  nowMs?: number;
  nonce?: string;
}

export type SignedHeaders = Record<'X-API-Key' | 'X-Timestamp' | 'X-Nonce' | 'X-Signature', string> & { 'Idempotency-Key'?: string };

/** The headers of a v2-signed request from the billing system (what the WHMCS module sends). */
export function signRequest(pair: SigningKeyPair, request: RequestToSign): SignedHeaders {
  const idempotencyKey = request.idempotencyKey ?? (needsIdempotencyKey(request.method) ? randomUUID() : undefined);
  const parts: SignedRequestParts = {
    direction: 'request',
    method: request.method,
    target: request.target,
    timestamp: unixSeconds(request.nowMs ?? Date.now()),
    nonce: request.nonce ?? newNonce(),
    idempotencyKey,
    body: request.body ?? '',
  };
  return {
    'X-API-Key': pair.key,
    'X-Timestamp': parts.timestamp,
    'X-Nonce': parts.nonce,
    ...(idempotencyKey !== undefined ? { 'Idempotency-Key': idempotencyKey } : {}),
    'X-Signature': signV2(pair.secret, parts),
  };
}

/** The signing headers of Hostflow's billing webhook: direction `webhook`, its own secret, no API key. */
export function signWebhook(secret: string, webhook: { url: string; body: string; idempotencyKey: string; nowMs?: number }): Record<string, string> {
  const url = new URL(webhook.url);
  const parts: SignedRequestParts = {
    direction: 'webhook',
    method: 'POST',
    target: `${url.pathname}${url.search}`,
    timestamp: unixSeconds(webhook.nowMs ?? Date.now()),
    nonce: newNonce(),
    idempotencyKey: webhook.idempotencyKey,
    body: webhook.body,
  };
  return {
    'X-Timestamp': parts.timestamp,
    'X-Nonce': parts.nonce,
    'Idempotency-Key': webhook.idempotencyKey,
    'X-Signature': signV2(secret, parts),
  };
}
