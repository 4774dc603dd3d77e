// Building a Go binary once into a cache shared by every checkout: two jest workers, or the
// launcher and the tests, must never both spend minutes on the same build. A lock file holds the
// builder's pid; one left by a process that died is cleared.
import { accessSync, constants as fsc, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';

const WAIT_LOG_MS = 30_000;

/**
 * Answer `ready()` once it has something; otherwise take `dir`'s lock and `build()` (or wait for
 * the process that holds the lock). `what` names the build in the waiting message.
 */
export async function buildOnceUnderLock<T>(dir: string, what: string, log: (line: string) => void, ready: () => T | undefined, build: () => Promise<T>): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const lockPath = path.join(dir, '.install.lock');
  let loggedAt = 0;
  for (;;) {
    const found = ready();
    if (found !== undefined) return found;
    if (await tryLock(lockPath)) {
      try {
        // Finished between our check and our lock?
        return ready() ?? (await build());
      } finally {
        await fs.rm(lockPath, { force: true });
      }
    }
    if (Date.now() - loggedAt > WAIT_LOG_MS) {
      log(`Another process is building ${what} (${lockPath}); waiting for it.`);
      loggedAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsc.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Creates the lock file holding our pid; clears a lock left by a process that died. */
async function tryLock(lockPath: string): Promise<boolean> {
  try {
    await fs.writeFile(lockPath, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = Number(await fs.readFile(lockPath, 'utf8').catch(() => ''));
  if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await fs.rm(lockPath, { force: true });
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours
  }
}
