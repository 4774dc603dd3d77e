// The embedded Postgres (PGlite served on a local port) in a process of its own, so its
// single-threaded engine does not share an event loop with the load generator.
import { startEmbeddedPostgres } from '../../schema/embedded-postgres';
import { fail, onStop, send } from './ipc';

async function main(): Promise<void> {
  const embedded = await startEmbeddedPostgres();
  onStop(() => embedded.stop());
  send({ type: 'ready', url: embedded.url });
}

main().catch(fail);
