// Listening and stopping. On shutdown the server stops accepting, lets in-flight requests
// finish (closing keep-alive connections as they go idle), then closes Temporal and Postgres.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';

export interface RunningServer {
  server: Server;
  port: number;
  /** Idempotent; resolves when every request has finished and every closer has run. */
  shutdown(reason?: string): Promise<void>;
}

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Run after the last request finished: close the Temporal connection, the database pool. */
  closers?: { name: string; close: () => Promise<void> }[];
  /** In-flight requests still running after this are cut off. */
  drainTimeoutMs?: number;
}

export async function serve(app: Express, options: ServeOptions): Promise<RunningServer> {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    // Answers given while draining tell keep-alive clients to reconnect (to another replica).
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | undefined;

  async function stop(reason: string): Promise<void> {
    draining = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    options.logger.info({ reason }, 'shutting down: no new connections, finishing requests in flight');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      options.logger.warn('requests still running at the drain deadline; closing their connections');
      server.closeAllConnections();
    }, options.drainTimeoutMs ?? 10_000);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    for (const closer of options.closers ?? []) {
      try {
        await closer.close();
      } catch (error) {
        options.logger.warn({ err: error, closer: closer.name }, 'close failed');
      }
    }
    options.logger.info('shut down');
  }

  return {
    server,
    port,
    shutdown: (reason = 'requested') => (stopping ??= stop(reason)),
  };
}
