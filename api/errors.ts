// The one error shape of the API: {"error": {"code", "message", "details"}}. Every failure —
// ours, the body parser's, a thrown bug — leaves through errorHandler in this shape, never as
// a stack trace or an HTML page.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type {} from 'pino-http'; // req.id and req.log
import { isDatabaseUnavailable } from './db-errors';
import { TemporalUnavailableError } from './temporal-gateway';

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface ErrorDetail {
  /** Where the problem is: a body field path such as `ssh_keys.0`, or a header name. */
  path?: string;
  message: string;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: ErrorDetail[] };
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Sent with the answer, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export function envelope(code: ErrorCode, message: string, details: ErrorDetail[] = []): ErrorEnvelope {
  return { error: { code, message, details } };
}

/** Unknown paths answer in the envelope too, not with Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
}

/** body-parser reports its refusals as errors with a `type`; map each to our codes. */
function fromBodyParser(error: BodyParserError): ApiError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'the request body is larger than 64 KiB');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send an uncompressed UTF-8 JSON body');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
    case 'stream.encoding.set':
      return new ApiError('VALIDATION_ERROR', 'the request body could not be read');
    default:
      return undefined;
  }
}

function unavailable(error: unknown): ApiError | undefined {
  if (error instanceof TemporalUnavailableError) {
    return new ApiError('UNAVAILABLE', 'Temporal is not answering; retry the request later');
  }
  if (isDatabaseUnavailable(error)) return new ApiError('UNAVAILABLE', 'the database is not answering; retry the request later');
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = error instanceof ApiError ? error : (fromBodyParser(error as BodyParserError) ?? unavailable(error));
    const apiError =
      known ??
      new ApiError('INTERNAL_ERROR', 'the request failed unexpectedly; it has been logged', [
        { message: `request id ${String(req.id ?? '')}` },
      ]);
    if (!known) {
      // The only place a stack is written: the log, never the answer.
      (req.log ?? logger).error({ err: error }, 'unhandled error');
    } else if (apiError.status >= 500) {
      (req.log ?? logger).warn({ err: error, code: apiError.code }, apiError.message);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.set(apiError.headers).status(apiError.status).json(envelope(apiError.code, apiError.message, apiError.details));
  };
}

/**
 * What an error log line carries: name, message, code, constraint and stack. Not the whole
 * object — a driver error can hold the query's parameters, and those may include an e-mail.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; constraint_name?: unknown; cause?: unknown };
  return {
    type: e.name,
    // drizzle appends the query's parameters to its message; they can hold an e-mail address.
    message: e.message.replace(/\nparams: [\s\S]*$/, ''),
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.constraint_name !== undefined ? { constraint: e.constraint_name } : {}),
    stack: e.stack?.replace(/\nparams: [^\n]*/, ''),
    ...(e.cause !== undefined ? { cause: describeError(e.cause) } : {}),
  };
}
