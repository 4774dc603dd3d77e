// The idempotency keys an entity remembers (carried across continue-as-new): a bounded map.

/** Keys older than this many are forgotten; a billing system retries within minutes, not months. */
export const MAX_SEEN_KEYS = 1000;

/** Remember `key` → `operationId`, forgetting the oldest beyond the bound. */
export function rememberKey(seenKeys: Record<string, string>, key: string, operationId: string): void {
  seenKeys[key] = operationId;
  const keys = Object.keys(seenKeys);
  // Insertion order is kept by JS objects (for string keys), so the first are the oldest.
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_SEEN_KEYS))) delete seenKeys[old];
}
