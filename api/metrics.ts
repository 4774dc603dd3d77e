// Prometheus metrics of the API: requests, latency and errors by route. Counted by a middleware of
// the API app, served by metrics-server.ts on a listener of their own (API_METRICS_ADDRESS, loopback
// by default), never on the API's public port.
// The route label is the route's pattern (/api/instances/:id), never the URL, so ids and
// scanners' junk paths cannot blow up the series count.
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

// Process metrics (CPU, memory, event-loop lag, GC) are per process, not per app: one registry,
// made on first use, so tests that build many apps in one process do not register them twice.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'hostflow_api_' });
  }
  return processRegistry;
}

const LABELS = ['method', 'route', 'status'] as const;

/** A route's pattern, or "unmatched" (404s, refused before routing). */
function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

export interface ApiMetrics {
  registry: Registry;
  /** Put first: counts every request after it. */
  handler: RequestHandler;
  /** The Prometheus text of this app's and the process's metrics. */
  text(): Promise<string>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'hostflow_api_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'hostflow_api_request_errors_total',
    help: 'HTTP requests answered with a 4xx or 5xx status, by method, route pattern and status code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'hostflow_api_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route pattern and status code.',
    labelNames: LABELS,
    // The API answers in milliseconds (it never waits on a provider); the tail is Temporal or Postgres trouble.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const handler: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      requests.inc(labels);
      if (res.statusCode >= 400) errors.inc(labels);
      latency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  const text = async () => (await registry.metrics()) + (await processMetrics().metrics());
  return { registry, handler, text };
}
