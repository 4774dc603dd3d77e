// Runs the embedded Postgres in a child process for one API test file. PGlite loads its wasm
// with a dynamic import, which jest's module sandbox refuses; a child process has no sandbox.
// A fresh PGlite runs initdb (7–13 s here), so the first child keeps a migrated snapshot in the
// temp folder, keyed by the migrations and the PGlite version, and later children load it (~2 s).
// Prints {"url": …} once ready and stops when its stdin closes (the parent exited or asked).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../schema/embedded-postgres';
import { MIGRATIONS_FOLDER, runMigrations } from '../../schema/migrate';

function snapshotFile(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(__dirname, '..', '..', 'node_modules', '@electric-sql', 'pglite', 'package.json')));
  for (const name of readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith('.sql')).sort()) {
    hash.update(name).update(readFileSync(path.join(MIGRATIONS_FOLDER, name)));
  }
  return path.join(os.tmpdir(), `hostflow-api-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function start(): Promise<EmbeddedPostgres> {
  const file = snapshotFile();
  if (existsSync(file)) {
    try {
      return await startEmbeddedPostgres({ loadDataDir: new Blob([readFileSync(file)]) });
    } catch {
      // A damaged snapshot: fall through and make a new one.
    }
  }
  const embedded = await startEmbeddedPostgres();
  await runMigrations(embedded.url);
  const snapshot = Buffer.from(await (await embedded.dumpDataDir()).arrayBuffer());
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, snapshot);
  renameSync(partial, file); // atomic: a concurrent reader sees all of it or nothing
  return embedded;
}

async function main(): Promise<void> {
  const embedded = await start();
  process.stdout.write(`${JSON.stringify({ url: embedded.url })}\n`);
  const stop = () => {
    void embedded.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded Postgres failed: ${String(error)}\n`);
  process.exit(1);
});
