// `npm run test:node-latest`: runs a subset of the tests (default: the unit and API tests) on the
// newest Node this project has been checked against, or another one, fetched from the npm registry
// (the `node-<os>-<arch>` packages carry the official binaries) into ~/.cache/hostflow/node-v<v>/.
// Only the npm client is used, so it works wherever `npm ci` works.
//   npm run test:node-latest                         Node NODE_LATEST, test/unit and test/api
//   npm run test:node-latest -- --node 24.15.0       another version ('latest': the registry's newest)
//   npm run test:node-latest -- test/unit/x.test.ts  another subset (any jest arguments)
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildOnceUnderLock, isExecutable } from './lib/build-lock';

/** The newest Node the registry had when this was last run here (README, "Node versions"). */
export const NODE_LATEST = '26.12.1';
const DEFAULT_SUBSET = ['test/unit', 'test/api'];
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

function binaryPackage(): string {
  return `node-${process.platform}-${process.arch}`;
}

async function resolveVersion(requested: string): Promise<string> {
  if (requested !== 'latest') return requested;
  const { stdout } = await run('npm', ['view', binaryPackage(), 'dist-tags.latest']);
  return stdout.trim();
}

/** The cached binary of `version`, or fetched once with `npm pack` under the shared build lock. */
async function findOrFetchNode(version: string): Promise<string> {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(cacheHome, 'hostflow', `node-v${version}`);
  const binary = path.join(dir, 'bin', 'node');
  return buildOnceUnderLock(dir, `Node ${version}`, console.log, () => (isExecutable(binary) ? binary : undefined), async () => {
    const staging = await fs.mkdtemp(path.join(dir, '.fetch-'));
    try {
      console.log(`Fetching ${binaryPackage()}@${version} from the npm registry into ${dir}`);
      const { stdout } = await run('npm', ['pack', '--silent', `${binaryPackage()}@${version}`, '--pack-destination', staging], { maxBuffer: 1 << 20 });
      const tarball = path.join(staging, stdout.trim().split('\n').pop()!);
      await run('tar', ['xzf', tarball, '-C', staging, 'package/bin', 'package/LICENSE']);
      // The binary last: its presence is what says the cache is complete.
      await fs.cp(path.join(staging, 'package', 'LICENSE'), path.join(dir, 'LICENSE'));
      await fs.mkdir(path.join(dir, 'bin'), { recursive: true });
      await fs.rename(path.join(staging, 'package', 'bin', 'node'), binary);
      return binary;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const nodeFlag = args.indexOf('--node');
  const requested = nodeFlag >= 0 ? args.splice(nodeFlag, 2)[1] : process.env.HOSTFLOW_NODE_VERSION || NODE_LATEST;
  if (!requested) throw new Error('--node needs a version');
  const version = await resolveVersion(requested);
  const node = await findOrFetchNode(version);
  const jestArgs = args.length ? args : DEFAULT_SUBSET;
  const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  if (!existsSync(jest)) throw new Error('jest is not installed: run npm ci first');
  console.log(`Running jest ${jestArgs.join(' ')} on Node ${version} (${node})`);
  // Its bin first on PATH: processes the tests spawn with `node` (or process.execPath) run on it too.
  const child = spawn(node, [jest, ...jestArgs], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  const code = await new Promise<number>((resolve, reject) => child.once('error', reject).once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  console.log(`Node ${version}: jest ${jestArgs.join(' ')} exited ${code}`);
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
