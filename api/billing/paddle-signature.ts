// Paddle Billing's webhook signature: `Paddle-Signature: ts=<unix s>;h1=<hex>[;h1=<hex>…]`, where
// h1 = HMAC-SHA256(secret, `${ts}:${raw body}`). Several h1 (and several of our secrets) during a
// secret rotation; any match is enough. Done by hand: Paddle's Node SDK allows a 5-second window,
// which would refuse Paddle's own retries (they keep the first attempt's ts).
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface PaddleSignatureInput {
  header: string | undefined;
  rawBody: Buffer;
  secrets: readonly string[];
  toleranceMs: number;
  nowMs: number;
}

/** Leeway for a ts slightly ahead of our clock. */
const FUTURE_SKEW_MS = 5 * 60_000;

export function verifyPaddleSignature(input: PaddleSignatureInput): SignatureCheck {
  if (!input.header) return { ok: false, reason: 'missing Paddle-Signature header' };
  const parts = parseHeader(input.header);
  const ts = parts.get('ts')?.[0];
  const signatures = parts.get('h1') ?? [];
  if (!ts || !/^\d{1,12}$/.test(ts) || signatures.length === 0) return { ok: false, reason: 'malformed Paddle-Signature header' };
  const ageMs = input.nowMs - Number(ts) * 1000;
  if (ageMs > input.toleranceMs) return { ok: false, reason: 'Paddle-Signature timestamp is too old' };
  if (ageMs < -FUTURE_SKEW_MS) return { ok: false, reason: 'Paddle-Signature timestamp is in the future' };
  const signed = Buffer.concat([Buffer.from(`${ts}:`, 'utf8'), input.rawBody]);
  for (const secret of input.secrets) {
    const expected = createHmac('sha256', secret).update(signed).digest();
    if (signatures.some((h1) => sameBytes(expected, h1))) return { ok: true };
  }
  return { ok: false, reason: 'no Paddle-Signature h1 matches' };
}

/** `ts=1;h1=a;h1=b` → {ts: [1], h1: [a, b]}. */
function parseHeader(header: string): Map<string, string[]> {
  const parts = new Map<string, string[]>();
  for (const piece of header.split(';')) {
    const at = piece.indexOf('=');
    if (at <= 0) continue;
    const name = piece.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), piece.slice(at + 1).trim()]);
  }
  return parts;
}

function sameBytes(expected: Buffer, hex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

/** The header Paddle would send for `rawBody` (tests, and the README's curl example). */
export function paddleSignatureHeader(rawBody: Buffer | string, secret: string, tsSeconds: number): string {
  const h1 = createHmac('sha256', secret).update(`${tsSeconds}:`).update(rawBody).digest('hex');
  return `ts=${tsSeconds};h1=${h1}`;
}
