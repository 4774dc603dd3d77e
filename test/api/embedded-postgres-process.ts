// Runs the embedded Postgres in a child process for one API test file. PGlite loads its wasm
// with a dynamic import, which jest's module sandbox refuses; a child process has no sandbox.
// Prints {"url": …} once ready and stops when its stdin closes (the parent exited or asked).
import { startEmbeddedPostgres } from '../../schema/embedded-postgres';
import { runMigrations } from '../../schema/migrate';

async function main(): Promise<void> {
  const embedded = await startEmbeddedPostgres();
  await runMigrations(embedded.url);
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
