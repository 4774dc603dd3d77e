// A migrated database of its own for one activity test file. The fleet sweeps read every
// instance in the read model, so they must not see (or signal) the instances of test files
// running beside them: a throwaway database on DATABASE_URL's server, or an embedded Postgres
// in a child process (test/api/embedded-postgres-process.ts) when there is none.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../schema/db';
import { runMigrations } from '../../schema/migrate';
import { createThrowawayDatabase } from '../../schema/throwaway-database';

export interface OwnDatabase {
  handle: DatabaseHandle;
  stop(): Promise<void>;
}

export async function ownDatabase(): Promise<OwnDatabase> {
  const server = process.env.DATABASE_URL;
  if (server) {
    const database = await createThrowawayDatabase(server, 'test');
    await runMigrations(database.url);
    const handle = openDatabase(database.url);
    return {
      handle,
      async stop() {
        await handle.close();
        await database.drop();
      },
    };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'api', 'embedded-postgres-process.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited with ${code}`)));
  });
  const handle = openDatabase(url);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    handle,
    async stop() {
      await handle.close();
      child.stdin.end();
      await exited;
    },
  };
}
