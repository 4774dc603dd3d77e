// Telling driver errors apart: a unique violation is a conflict to resolve, a lost connection
// is a 503 to retry, anything else is a bug.

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

function codes(error: unknown): string[] {
  const found: string[] = [];
  let e = error as { code?: unknown; cause?: unknown; errors?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (typeof e.code === 'string') found.push(e.code);
    // AggregateError (e.g. connect to both ::1 and 127.0.0.1 refused)
    if (Array.isArray(e.errors)) for (const inner of e.errors) found.push(...codes(inner));
    e = e.cause as typeof e;
  }
  return found;
}

/** The SQLSTATE of a Postgres error, looking through drizzle's wrapper. */
export function pgErrorCode(error: unknown): string | undefined {
  return codes(error).find((code) => /^[0-9A-Z]{5}$/.test(code));
}

export const UNIQUE_VIOLATION = '23505';

export function isDatabaseUnavailable(error: unknown): boolean {
  return codes(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith('08'));
}
