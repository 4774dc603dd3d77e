// Structured JSON logs: one line per request with a request id (taken from a sane incoming
// X-Request-Id or made here, and echoed back). Headers and bodies are never logged, so no
// signature, callback token or e-mail reaches a log line; redact is the second line of defence.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import pino, { type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { describeError } from './errors';

export const REDACT_PATHS = [
  'req.headers["x-signature"]',
  'req.headers["x-callback-token"]',
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-signature"]',
  'headers["x-callback-token"]',
  'secret',
  'token',
  'signature',
  '*.secret',
  '*.token',
  '*.signature',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hostflow-api' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: describeError },
    },
    destination,
  );
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestLogger(logger: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Our serializers see the raw objects and pick the few fields we log: never the headers.
    wrapSerializers: false,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.originalUrl ?? req.url,
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      // pino-http reports every 5xx with a made-up "failed with status code" error; its stack says nothing.
      err: (err: unknown) =>
        err instanceof Error && /^failed with status code/.test(err.message) ? { message: err.message } : describeError(err),
    },
    customProps: (req) => ((req as { apiKey?: string }).apiKey ? { api_key: (req as { apiKey?: string }).apiKey } : {}),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: (req, res, time) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode} ${Math.round(time)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
  });
  return middleware as unknown as RequestHandler;
}
