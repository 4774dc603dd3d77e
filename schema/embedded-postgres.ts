// The embedded default: PGlite lives in one process, but the API and the worker are two, so it
// is served over the Postgres wire protocol on a local port. Transactions are serialised by
// pglite-socket, which keeps them correct; throughput is plenty for a dev stack and the tests.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import net from 'node:net';

export interface EmbeddedPostgres {
  url: string;
  /** A snapshot of the whole data directory, for `loadDataDir` (a test's migrated template). */
  dumpDataDir(): Promise<Blob>;
  stop(): Promise<void>;
}

/** dataDir undefined keeps everything in memory (tests); a folder keeps it across restarts (dev). */
/** loadDataDir starts from a dumpDataDir() snapshot: a fraction of a fresh initdb's time. */
export async function startEmbeddedPostgres(
  options: { dataDir?: string; port?: number; host?: string; loadDataDir?: Blob } = {},
): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const server = new PGLiteSocketServer({ db: keepExtendedQueriesWhole(db), host, port, maxConnections: 200 });
  await server.start();
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    dumpDataDir: () => db.dumpDataDir('none'),
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * pglite-socket queues messages one at a time and keeps a connection's turn only inside a
 * transaction. An extended-protocol query (Parse, Bind, Execute … Sync) is several messages on
 * one shared session, so two connections' unnamed statements interleave ("bind message supplies
 * 2 parameters, but prepared statement \"\" requires 1"): drizzle sends every query that way.
 * Reporting "in a transaction" from the first message of such a sequence until its Sync keeps
 * the sequence whole; the queue then waits for the same connection's next message.
 */
function keepExtendedQueriesWhole(db: PGlite): PGlite {
  let midSequence = false;
  const P = 0x50, B = 0x42, D = 0x44, E = 0x45, C = 0x43, H = 0x48, S = 0x53, Q = 0x51, X = 0x58;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => target.isInTransaction() || midSequence;
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0];
          if (type === P || type === B || type === D || type === E || type === C || type === H) midSequence = true;
          else if (type === S || type === Q || type === X) midSequence = false;
          return target.execProtocolRawStream(message, options);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
