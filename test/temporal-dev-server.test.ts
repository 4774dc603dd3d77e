import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { findOrInstallTemporalCli } from '../scripts/lib/temporal-cli';
import {
  buildDevServerArgs,
  loadDevServerConfig,
  startTemporalDevServer,
  type DevServer,
  type DevServerConfig,
} from '../scripts/lib/temporal-dev-server';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '..', 'infra', 'search-attributes.sh');
const KEYWORD = 2; // IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD

const config: DevServerConfig = {
  cli: { version: 'v1.5.1', module: 'github.com/temporalio/cli/cmd/temporal' },
  ip: '127.0.0.1',
  ports: { frontend: 7233, ui: 8233 },
  namespace: 'default',
  searchAttributes: { InstanceId: 'Keyword', Plan: 'Keyword' },
  sqlite: { file: '/repo/.data/temporal.sqlite', pragmas: { journal_mode: 'wal', synchronous: 1 } },
  dynamicConfig: { 'history.transferProcessorMaxPollRPS': 10000, 'history.timerProcessorMaxTimeShift': '100ms' },
  logLevel: 'warn',
};

/** Pairs each flag with the value after it, so tests do not depend on flag order. */
function flagValues(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('buildDevServerArgs', () => {
  it('passes the configured address, ports, file, pragmas, search attributes and log level', () => {
    const args = buildDevServerArgs(config);
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flagValues(args, '--ip')).toEqual(['127.0.0.1']);
    expect(flagValues(args, '--port')).toEqual(['7233']);
    expect(flagValues(args, '--ui-port')).toEqual(['8233']);
    expect(flagValues(args, '--db-filename')).toEqual(['/repo/.data/temporal.sqlite']);
    expect(flagValues(args, '--sqlite-pragma')).toEqual(['journal_mode=wal', 'synchronous=1']);
    expect(flagValues(args, '--search-attribute')).toEqual(['InstanceId=Keyword', 'Plan=Keyword']);
    expect(flagValues(args, '--log-level')).toEqual(['warn']);
    expect(args).not.toContain('--headless');
    expect(args).not.toContain('--metrics-port');
  });

  it('encodes dynamic config values as JSON, quoting strings as the CLI requires', () => {
    expect(flagValues(buildDevServerArgs(config), '--dynamic-config-value')).toEqual([
      'history.transferProcessorMaxPollRPS=10000',
      'history.timerProcessorMaxTimeShift="100ms"',
    ]);
  });

  it('runs in memory, without pragmas, when dbFile is null', () => {
    const args = buildDevServerArgs(config, { dbFile: null });
    expect(args).not.toContain('--db-filename');
    expect(args).not.toContain('--sqlite-pragma');
  });

  it('uses overridden ports and drops the UI port when headless', () => {
    const args = buildDevServerArgs(config, { ports: { frontend: 40001, metrics: 40003 }, headless: true });
    expect(flagValues(args, '--port')).toEqual(['40001']);
    expect(flagValues(args, '--metrics-port')).toEqual(['40003']);
    expect(args).toContain('--headless');
    expect(args).not.toContain('--ui-port');
  });

  it('names only a non-default namespace, since the CLI always creates "default"', () => {
    expect(buildDevServerArgs(config)).not.toContain('--namespace');
    expect(flagValues(buildDevServerArgs({ ...config, namespace: 'hostflow' }), '--namespace')).toEqual(['hostflow']);
  });
});

describe('temporal-dev.yaml', () => {
  it('loads, registers the seven Keyword search attributes and keeps the db under .data/', () => {
    const loaded = loadDevServerConfig();
    expect(loaded.searchAttributes).toEqual({
      InstanceId: 'Keyword', CustomerId: 'Keyword', Plan: 'Keyword',
      Region: 'Keyword', InstanceStatus: 'Keyword', Operation: 'Keyword', Health: 'Keyword',
    });
    expect(loaded.sqlite.file).toBe(path.resolve(__dirname, '..', '.data', 'temporal.sqlite'));
    expect(loaded.dynamicConfig).toMatchObject({
      'history.transferProcessorMaxPollRPS': 10000,
      'history.transferProcessorMaxPollHostRPS': 10000,
    });
  });

  it('lists the same search attributes as infra/search-attributes.sh', async () => {
    const { stdout } = await run('bash', [SCRIPT, '--list']);
    const fromScript = stdout.trim().split('\n').sort();
    const fromYaml = Object.entries(loadDevServerConfig().searchAttributes).map(([n, t]) => `${n}=${t}`).sort();
    expect(fromScript).toEqual(fromYaml);
  });
});

describe('findOrInstallTemporalCli', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hostflow-cli-'));
    delete process.env.TEMPORAL_CLI;
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache'); // an empty cache
    process.env.PATH = path.join(dir, 'bin'); // neither temporal nor go
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what to install when neither the CLI nor Go is found', async () => {
    const err = await findOrInstallTemporalCli({ log: () => {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/go\.dev/);
    expect((err as Error).message).toMatch(/TEMPORAL_CLI/);
    expect((err as Error).message).toMatch(/docs\.temporal\.io\/cli/);
  });

  it('refuses a TEMPORAL_CLI that is not an executable', async () => {
    process.env.TEMPORAL_CLI = path.join(dir, 'missing');
    await expect(findOrInstallTemporalCli()).rejects.toThrow(/TEMPORAL_CLI=.*not an executable/);
  });

  it('builds once when two callers need the CLI at the same time', async () => {
    // A stand-in `go` that takes a second to "build" and counts its installs.
    const bin = path.join(dir, 'bin');
    const count = path.join(dir, 'installs');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'go'),
      `#!/bin/sh\nif [ "$1" = env ]; then echo go1.26.0; exit 0; fi\n` +
        `echo x >> ${count}; sleep 1; printf '#!/bin/sh\\n' > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal"\n`,
    );
    chmodSync(path.join(bin, 'go'), 0o755);
    process.env.PATH = `${bin}${path.delimiter}/bin${path.delimiter}/usr/bin`;
    const [a, b] = await Promise.all([
      findOrInstallTemporalCli({ log: () => {} }),
      findOrInstallTemporalCli({ log: () => {} }),
    ]);
    expect(a).toBe(path.join(dir, 'cache', 'hostflow', 'temporal-v1.5.1', 'temporal'));
    expect(b).toBe(a);
    expect(readFileSync(count, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('a real dev server (random ports, in memory)', () => {
  let server: DevServer;
  let connection: Connection;
  let cli: string;

  beforeAll(async () => {
    cli = await findOrInstallTemporalCli(); // may build it once: ~5 minutes on a fresh machine
    server = await startTemporalDevServer({ ports: 'random', dbFile: null });
    connection = await Connection.connect({ address: server.address });
  }, 600_000);

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  /** Runs the infra script against this server only, whatever TEMPORAL_* the shell has. */
  function temporalEnv(namespace: string): NodeJS.ProcessEnv {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
    return { ...env, TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace };
  }
  const registerSearchAttributes = (namespace: string) => run('bash', [SCRIPT], { env: temporalEnv(namespace) });

  it('has the configured search attributes registered as Keyword', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: server.namespace,
    });
    for (const name of Object.keys(loadDevServerConfig().searchAttributes)) {
      expect([name, customAttributes?.[name]]).toEqual([name, KEYWORD]);
    }
  });

  it('lets infra/search-attributes.sh run twice on it, succeeding both times', async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await registerSearchAttributes(server.namespace);
      expect(stdout.match(/^ok: /gm)).toHaveLength(7);
    }
  });

  it('stops infra/search-attributes.sh, naming it, when an attribute exists with another type', async () => {
    const namespace = `conflict-${Date.now()}`;
    await run(cli, ['operator', 'namespace', 'create', '--namespace', namespace], { env: temporalEnv(namespace) });
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { Region: 1 /* Text */ } });
    const err = await registerSearchAttributes(namespace).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1, stderr: expect.stringMatching(/Region is TEXT/) });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    expect(customAttributes?.InstanceId).toBeUndefined(); // nothing was changed
  });

  it('refuses a configured port that is taken, naming it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const taken = { ...loadDevServerConfig(), ports: { frontend: port, ui: 8233 } };
      await expect(startTemporalDevServer({ config: taken, ports: 'from-config' })).rejects.toThrow(
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 \\(Temporal frontend`),
      );
    } finally {
      blocker.close();
    }
  });

  it('reports a server that exits before it answers', async () => {
    const saved = process.env.TEMPORAL_CLI;
    process.env.TEMPORAL_CLI = '/bin/false';
    try {
      await expect(startTemporalDevServer({ ports: 'random', dbFile: null })).rejects.toThrow(
        /temporal server start-dev exited \(1\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_CLI;
      else process.env.TEMPORAL_CLI = saved;
    }
  });

  it('stops the server process', async () => {
    const extra = await startTemporalDevServer({ ports: 'random', dbFile: null, headless: true });
    await extra.stop();
    expect(extra.process.exitCode !== null || extra.process.signalCode !== null).toBe(true);
  }, 60_000);
});
