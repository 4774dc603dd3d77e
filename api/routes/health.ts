// GET /api/health — Temporal and Postgres, each reported on its own; 503 if either is down.
import { Router } from 'express';
import type { RouteContext } from '../deps';
import { envelope } from '../errors';

const PING_TIMEOUT_MS = 3_000;

interface Check {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

class PingTimeout extends Error {}

async function timed(probe: () => Promise<unknown>, onError: (error: unknown) => void): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new PingTimeout()), PING_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    // The route is unauthenticated: the answer says what failed, the log says why (addresses…).
    onError(error);
    const latency_ms = Math.round(performance.now() - started);
    return { ok: false, latency_ms, error: error instanceof PingTimeout ? `no answer within ${PING_TIMEOUT_MS} ms` : 'not answering' };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ deps }: RouteContext): Router {
  const router = Router();
  // Liveness for an orchestrator: answers while the process serves HTTP, touching neither Temporal
  // nor Postgres (a database outage must not get every API replica restarted). Readiness is
  // /api/health below.
  router.get('/api/health/live', (_req, res) => {
    res.status(200).set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/api/health', async (req, res) => {
    const [temporal, postgres] = await Promise.all([
      timed(() => deps.temporal.ping(), (err) => req.log.warn({ err }, 'health: Temporal is down')),
      timed(() => deps.database.sql`select 1`, (err) => req.log.warn({ err }, 'health: Postgres is down')),
    ]);
    const ok = temporal.ok && postgres.ok;
    const down = [!temporal.ok && 'Temporal', !postgres.ok && 'Postgres'].filter(Boolean).join(' and ');
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: ok ? 'ok' : 'unavailable',
        checks: { temporal, postgres },
        ...(ok ? {} : envelope('UNAVAILABLE', `${down} not answering`)),
      });
  });
  return router;
}
