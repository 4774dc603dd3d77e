// Bodies are read as raw bytes first: the signature covers the exact bytes sent, so JSON is
// parsed only after it has been verified, and the parsed value never feeds the signature.
import express, { type Request, type RequestHandler } from 'express';
import { ApiError } from './errors';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Reads any body up to 64 KiB (or `limit`) into req.rawBody (413 above; compressed bodies are refused). */
export function readRawBody(limit = BODY_LIMIT_BYTES): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit, inflate: false }),
    (req, _res, next) => {
      req.rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      req.body = undefined;
      next();
    },
  ];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * req.rawBody as JSON: an empty body is `undefined`, anything else must be `application/json`
 * (415 otherwise) holding well-formed UTF-8 JSON (400 otherwise).
 */
export function decodeJsonBody(req: Request): unknown {
  const raw = req.rawBody ?? Buffer.alloc(0);
  if (raw.length === 0) return undefined;
  if (!req.is('application/json')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as Content-Type: application/json');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as UTF-8');
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'the body is not well-formed JSON');
  }
}

/** Sets req.body from req.rawBody on POST and DELETE; a GET's body, if any, is ignored. */
export const parseJsonBody: RequestHandler = (req, _res, next) => {
  req.body = req.method === 'POST' || req.method === 'DELETE' ? decodeJsonBody(req) : undefined;
  next();
};
