// Idempotency-Key support: what makes two requests "the same", the 409 when they are not, and
// the operation id a key maps to.
import { createHash } from 'node:crypto';
import { ApiError } from './errors';

/** The 409's message for a key reused with another request; the OpenAPI document quotes it too. */
export const KEY_REUSED_MESSAGE = 'this Idempotency-Key was already used with a different request';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Hash of what a request asks for (after validation), insensitive to key order and whitespace. */
export function requestHash(kind: string, payload: unknown): string {
  return createHash('sha256').update(JSON.stringify([kind, canonical(payload)])).digest('hex');
}

/**
 * Refuse a request whose key names an earlier, different request (409 CONFLICT). A row the
 * workflow wrote itself has no hash: nothing to compare, so it counts as the same request.
 */
export function assertSameRequest(storedHash: string | null, hash: string): void {
  if (storedHash !== null && storedHash !== hash) {
    throw new ApiError('CONFLICT', KEY_REUSED_MESSAGE, [{ path: 'Idempotency-Key', message: 'reused with a different body' }]);
  }
}

/**
 * The operation id for a request that carries an Idempotency-Key: derived, not random, so two
 * concurrent requests with the same key signal the same operation id. Whichever signal the
 * entity workflow keeps (it de-duplicates by key), the row the API writes names that operation.
 */
export function operationIdForKey(instanceId: string, key: string): string {
  const h = createHash('sha256').update(`hostflow-operation:${instanceId}:${key}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
