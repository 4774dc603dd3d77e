// Finds the `temporal` CLI (which runs the dev server), building it once with `go install` when
// neither TEMPORAL_CLI nor PATH has one. The launcher, the tests and the bench call it;
// scripts/temporal-cli.ts runs it from the command line.
import { spawn, execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildOnceUnderLock, isExecutable } from './build-lock';
import { forEachLine } from './stream-lines';

export const DEV_CONFIG_PATH = path.resolve(__dirname, '..', '..', 'temporal-dev.yaml');

const MIN_GO = [1, 22] as const;
const HEARTBEAT_MS = 15_000;

export interface CliPin {
  version: string;
  module: string;
}

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export function loadCliPin(configPath = DEV_CONFIG_PATH): CliPin {
  const doc = parseYaml(readFileSync(configPath, 'utf8')) as { cli?: Partial<CliPin> } | null;
  const { version, module } = doc?.cli ?? {};
  if (typeof version !== 'string' || typeof module !== 'string') {
    throw new Error(`${configPath}: cli.version and cli.module must be strings`);
  }
  return { version, module };
}

/** ~/.cache/hostflow/temporal-<version>: outside the repo, shared by every checkout. */
export function cliCacheDir(version: string): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'hostflow', `temporal-${version}`);
}

export async function findOrInstallTemporalCli(opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? stderrLog;
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    // An explicit choice that is wrong is an error, not a reason to quietly use another binary.
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;

  const pin = loadCliPin();
  const dir = cliCacheDir(pin.version);
  const cached = path.join(dir, 'temporal');
  if (isExecutable(cached)) return cached;

  const go = findOnPath('go');
  if (!go) throw new Error(installHelp(dir, 'Neither the temporal CLI nor Go was found.'));
  const goVersion = await readGoVersion(go);
  if (goVersion && compareVersion(goVersion, MIN_GO) < 0) {
    throw new Error(installHelp(dir, `Go ${goVersion.join('.')} is too old to build the temporal CLI.`));
  }
  return installWithLock(go, pin, dir, log);
}

function installHelp(dir: string, why: string): string {
  return [
    why,
    'Install one of:',
    `  - Go ${MIN_GO.join('.')} or newer from https://go.dev/dl/ and run this again: it builds the`,
    `    temporal CLI once (about 5 minutes) into ${dir}`,
    '  - the temporal CLI (https://docs.temporal.io/cli#install), on PATH or named by',
    '    TEMPORAL_CLI=/path/to/temporal',
  ].join('\n');
}

function installWithLock(go: string, pin: CliPin, dir: string, log: Log): Promise<string> {
  const target = path.join(dir, 'temporal');
  return buildOnceUnderLock(dir, 'the temporal CLI', log, () => (isExecutable(target) ? target : undefined), async () => {
    await goInstall(go, pin, dir, target, log);
    return target;
  });
}

async function goInstall(go: string, pin: CliPin, dir: string, target: string, log: Log): Promise<void> {
  const spec = `${pin.module}@${pin.version}`;
  // go install writes its output in place; building into a staging dir and renaming means a
  // half-written binary is never found by another process.
  const staging = await fs.mkdtemp(path.join(dir, '.build-'));
  log(`Building the temporal CLI: go install ${spec}`);
  log(`This takes about 5 minutes the first time (longer on a busy machine); the result is cached in ${dir}.`);
  const started = Date.now();
  let compiled = 0;
  let downloaded = 0;
  let last = '';
  const tail: string[] = [];
  const child = spawn(go, ['install', '-v', spec], {
    env: { ...process.env, GOBIN: staging },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLine = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (line.startsWith('go: downloading')) downloaded++;
    else if (!line.includes(' ')) {
      compiled++; // -v prints each package's import path as it is compiled
      last = line;
    }
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  const heartbeat = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    log(`  ... ${secs}s: ${downloaded} modules downloaded, ${compiled} packages compiled${last ? ` (${last})` : ''}`);
  }, HEARTBEAT_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) {
      throw new Error(`go install ${spec} failed (exit ${code}):\n${tail.join('\n')}`);
    }
    await fs.rename(path.join(staging, 'temporal'), target);
    log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)}s.`);
  } finally {
    clearInterval(heartbeat);
    await fs.rm(staging, { recursive: true, force: true });
  }
}

function readGoVersion(go: string): Promise<number[] | null> {
  return new Promise((resolve) => {
    execFile(go, ['env', 'GOVERSION'], (err, stdout) => {
      const m = /go(\d+)\.(\d+)/.exec(stdout);
      resolve(err || !m ? null : [Number(m[1]), Number(m[2])]);
    });
  });
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

