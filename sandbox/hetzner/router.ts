// The fake Hetzner Cloud API mounted at /v1.

import express, { Router } from 'express';
import type { ErrorRequestHandler } from 'express';
import type { FaultEngine } from '../faults';
import { type ProviderFlavor, providerGate } from '../gate';
import type { TokenBucket, BucketState } from '../rate-limit';
import { actionsRouter } from './actions';
import type { HetznerContext } from './context';
import { HetznerError, sendHetznerError } from './errors';
import { firewallsRouter } from './firewalls';
import { imagesRouter } from './images';
import { paginationLinks } from './pagination';
import { serverActionsRouter } from './server-actions';
import { serversRouter } from './servers';
import { sshKeysRouter } from './ssh-keys';

function setRateHeaders(res: express.Response, s: BucketState): void {
  res.set('RateLimit-Limit', String(s.limit));
  res.set('RateLimit-Remaining', String(s.remaining));
  res.set('RateLimit-Reset', String(s.resetEpochSec));
}

function hetznerFlavor(bucket: TokenBucket): ProviderFlavor {
  const tooMany = new HetznerError('rate_limit_exceeded', 'limit of requests per hour reached');
  return {
    limit(res) {
      const s = bucket.take();
      setRateHeaders(res, s);
      if (!s.allowed) sendHetznerError(res, tooMany);
      return s.allowed;
    },
    storm(res) {
      setRateHeaders(res, bucket.exhausted());
      sendHetznerError(res, tooMany);
    },
    unauthorized(res) {
      sendHetznerError(res, new HetznerError('unauthorized', 'unable to authenticate', null, 401));
    },
    error(res, status, code, message) {
      sendHetznerError(res, new HetznerError(code === undefined ? 'service_error' : String(code), message, null, status));
    },
  };
}

const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof HetznerError) return sendHetznerError(res, err);
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') return sendHetznerError(res, new HetznerError('json_error', 'invalid JSON in request body'));
  if (type === 'entity.too.large') return sendHetznerError(res, new HetznerError('invalid_input', 'request body too large'));
  sendHetznerError(res, new HetznerError('server_error', `sandbox error: ${String(err)}`, null, 500));
};

export function hetznerRouter(ctx: HetznerContext, bucket: TokenBucket, faults: FaultEngine): Router {
  const r = Router();
  r.use(providerGate({ flavor: hetznerFlavor(bucket), faults, scheduler: ctx.scheduler }));
  r.use(express.json({ limit: '1mb' }));
  r.use(paginationLinks);
  r.use(serversRouter(ctx));
  r.use(serverActionsRouter(ctx));
  r.use(actionsRouter(ctx));
  r.use(imagesRouter(ctx));
  r.use(sshKeysRouter(ctx));
  r.use(firewallsRouter(ctx));
  r.use((_req, res) => sendHetznerError(res, new HetznerError('not_found', 'not found')));
  r.use(onError);
  return r;
}
