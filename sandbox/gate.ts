// Middleware every provider request passes before its handler: rate limit, bearer token, faults.
// Each provider supplies its own envelopes, so a 401 or 429 looks like that provider's.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { FaultEngine } from './faults';
import type { Scheduler } from './scheduler';

export interface ProviderFlavor {
  /** Consume one request from the budget; set headers; false when over budget (429 already sent). */
  limit(res: Response): boolean;
  /** Answer as an injected 429 storm would: the provider's 429 with its headers. */
  storm(res: Response): void;
  unauthorized(res: Response): void;
  error(res: Response, status: number, code: string | number | undefined, message: string): void;
}

export interface GateDeps {
  flavor: ProviderFlavor;
  faults: FaultEngine;
  scheduler: Scheduler;
}

export function routeKeysOf(res: Response): string[] {
  return (res.locals['routeKeys'] as string[] | undefined) ?? [];
}

function bearer(req: Request): string | null {
  const h = req.get('authorization') ?? '';
  const m = h.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1] ?? null;
}

/**
 * Handle the request, then cut the connection instead of answering: the change is committed
 * but the client never learns it (what makes a naive create-then-retry create twice).
 */
function dropAnswer(req: Request, res: Response): void {
  res.end = (() => {
    req.socket.destroy();
    return res;
  }) as Response['end'];
}

/** Handle the request, then hold the answer: the change is made, the client waits (and may die waiting). */
function delayAnswer(res: Response, ms: number, scheduler: GateDeps['scheduler']): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    void scheduler.sleep(ms).then(() => end(...args));
    return res;
  }) as Response['end'];
}

export function providerGate({ flavor, faults, scheduler }: GateDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!flavor.limit(res)) return;
    if (!bearer(req)) {
      flavor.unauthorized(res);
      return;
    }
    const decision = faults.decide(routeKeysOf(res));
    if (decision.latencyMs > 0) await scheduler.sleep(decision.latencyMs);
    switch (decision.kind) {
      case 'storm':
        flavor.storm(res);
        return;
      case 'error':
        flavor.error(res, decision.status, decision.code, decision.message);
        return;
      case 'drop':
        dropAnswer(req, res);
        break;
      case 'none':
        if (decision.answerDelayMs) delayAnswer(res, decision.answerDelayMs, scheduler);
        break;
    }
    next();
  };
}
