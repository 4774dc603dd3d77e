// Temporal's codec server protocol over Hostflow's payload codec, so the Web UI and the CLI show
// operators decoded inputs, results and signals: POST /decode and /encode (also under
// /{namespace}/…, the CLI's --codec-endpoint template), body `{"payloads": [...]}` in proto3 JSON
// (bytes as base64). The Web UI calls it from the operator's browser: CORS for its origin, with the
// headers it sends (content-type, x-namespace, authorization).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import cors from 'cors';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PayloadDecryptionError } from '../config/encryption-codec';

const Payloads = temporal.api.common.v1.Payloads;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call it (the Web UI's). */
  corsOrigins: string[];
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  logger: Logger;
}

const body = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() })) });

class CodecRequestError extends Error {}

export function createCodecServerApp(options: CodecServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Before auth: a browser's preflight carries no Authorization header.
  app.use(
    cors({
      origin: options.corsOrigins,
      methods: ['POST'],
      allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
      // The Web UI's "include cross-origin credentials" setting sends cookies along.
      credentials: true,
      maxAge: 600,
    }),
  );
  if (options.token) app.use(requireBearer(options.token));
  // Payloads are at most 2 MB each (the server's blob limit); the UI sends an event's worth at a time.
  app.use(express.json({ limit: '8mb' }));

  const route = (name: 'encode' | 'decode', run: (payloads: temporal.api.common.v1.IPayload[]) => Promise<temporal.api.common.v1.IPayload[]>): RequestHandler =>
    async (req, res) => {
      const parsed = body.safeParse(req.body);
      if (!parsed.success) throw new CodecRequestError('expected {"payloads": [{"metadata": {…base64}, "data": base64}]}');
      let payloads: temporal.api.common.v1.IPayload[];
      try {
        payloads = Payloads.fromObject(parsed.data).payloads;
      } catch {
        throw new CodecRequestError('payload metadata and data must be base64');
      }
      const done = await run(payloads);
      // The namespace does not choose a key (one key set per deployment); logged for the audit trail.
      options.logger.info({ op: name, namespace: req.get('x-namespace'), payloads: done.length }, 'codec request');
      res.json(Payloads.toObject(Payloads.create({ payloads: done }), { bytes: String, arrays: true }));
    };
  const decode = route('decode', (payloads) => options.codec.decode(payloads));
  const encode = route('encode', (payloads) => options.codec.encode(payloads));
  app.post(['/decode', '/:namespace/decode'], decode);
  app.post(['/encode', '/:namespace/encode'], encode);
  app.use((req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', `no route ${req.method} ${req.path}`));
  });
  app.use(errorHandler(options.logger));
  return app;
}

function requireBearer(token: string): RequestHandler {
  // Hashing first gives equal lengths, so the comparison is constant-time whatever was sent.
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const sent = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (timingSafeEqual(createHash('sha256').update(sent).digest(), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer').json(errorBody('UNAUTHORIZED', 'missing or wrong bearer token'));
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const bodyParser = error as { type?: string; status?: number };
    if (error instanceof CodecRequestError || error instanceof PayloadDecryptionError || bodyParser.type === 'entity.parse.failed') {
      // Undecodable is the caller's problem to see (an unknown key id, an altered payload), not a 500.
      res.status(400).json(errorBody('VALIDATION_ERROR', error instanceof Error ? error.message : 'invalid request'));
      return;
    }
    if (bodyParser.type === 'entity.too.large') {
      res.status(413).json(errorBody('PAYLOAD_TOO_LARGE', 'request body over 8 MB'));
      return;
    }
    logger.error({ err: error }, 'codec request failed');
    res.status(500).json(errorBody('INTERNAL_ERROR', 'codec server error'));
  };
}

const errorBody = (code: string, message: string) => ({ error: { code, message, details: [] } });
