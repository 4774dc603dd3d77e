// How activities turn what a provider said into the named failures of workflows/failure-types.ts, so workflows can branch on `type` and an
// operator reading the Web UI at 3 a.m. sees what broke, where, and what to do.
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../workflows/failure-types';

export type Provider = 'Hetzner' | 'Cloudflare' | 'SMTP' | 'billing webhook' | 'Postgres';

/** What a provider said, kept whole: HTTP status, the provider's own code, and its rate-limit hint. */
export class ProviderError extends Error {
  constructor(
    readonly provider: Provider,
    readonly status: number | undefined,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** Worth retrying: timeouts, resets, 409 conflicts, 423 locked, 429, 5xx. */
  get transient(): boolean {
    if (this.status === undefined) return true;
    return this.status === 408 || this.status === 409 || this.status === 423 || this.status === 429 || this.status >= 500;
  }
}

/**
 * Turn anything a provider call threw into what Temporal should do with it: a plain retryable
 * failure (with the provider's own back-off hint), or a non-retryable one an operator can act on.
 * `what` names the instance and the step, e.g. "create server hostflow-acme-42 for instance 1f2e…".
 */
export function classify(error: unknown, what: string): Error {
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof ProviderError)) return error instanceof Error ? error : new Error(String(error));
  const where = `${error.provider}${error.status ? ` ${error.status}` : ''} ${error.code}`;
  const message = `${what}: ${where}: ${error.message}`;
  if (error.transient) {
    return ApplicationFailure.create({
      type: `${error.provider}.${error.code}`,
      message,
      nonRetryable: false,
      nextRetryDelay: error.retryAfterMs,
    });
  }
  return ApplicationFailure.create({
    type: FailureType.ProviderRefused,
    message: `${message}. Retrying will not help: fix the cause at ${error.provider}; the instance then waits in "attention" for an operator.`,
    nonRetryable: true,
    details: [{ provider: error.provider, status: error.status, code: error.code }],
  });
}

export function operationRefused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.OperationRefused, message, nonRetryable: true });
}

/** Run one provider call; whatever it throws comes back classified (see `classify`). */
export async function callProvider<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classify(error, what);
  }
}
