// Runs the `temporal` CLI as an operator would: a shell command line, with the connection in the
// standard TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE environment and `temporal` on PATH.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cli {
  path: string;
  /** A shell command line (quotes as written in the README). */
  sh(commandLine: string, extraEnv?: Record<string, string>): Promise<CliResult>;
}

export async function operatorCli(temporal: { address: string; namespace: string }): Promise<Cli> {
  const cli = await findOrInstallTemporalCli();
  const env = {
    ...process.env,
    PATH: `${path.dirname(cli)}${path.delimiter}${process.env.PATH ?? ''}`,
    TEMPORAL_CLI: cli,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    // No profile file of the machine's user may redirect the test.
    TEMPORAL_CONFIG_FILE: '/dev/null',
    NO_COLOR: '1',
  };
  return {
    path: cli,
    sh(commandLine, extraEnv = {}) {
      return new Promise((resolve) => {
        execFile('bash', ['-c', commandLine], { env: { ...env, ...extraEnv }, timeout: 30_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
}

/**
 * A namespace of the test's own on the run's dev server, with Hostflow's search attributes
 * registered by infra/search-attributes.sh — the script a real cluster uses.
 */
export async function createNamespace(cli: Cli, name: string): Promise<{ register: CliResult; again: CliResult }> {
  const created = await cli.sh(`temporal operator namespace create --namespace ${name} --retention 24h`);
  if (created.code !== 0) throw new Error(`namespace create failed: ${created.stderr || created.stdout}`);
  // The frontend learns of a new namespace on its next cache refresh.
  for (const deadline = Date.now() + 30_000; ; ) {
    const listed = await cli.sh('temporal operator search-attribute list', { TEMPORAL_NAMESPACE: name });
    if (listed.code === 0) break;
    if (Date.now() > deadline) throw new Error(`namespace ${name} did not become usable: ${listed.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const script = path.resolve(__dirname, '..', '..', 'infra', 'search-attributes.sh');
  const register = await cli.sh(`bash ${script}`, { TEMPORAL_NAMESPACE: name });
  const again = await cli.sh(`bash ${script}`, { TEMPORAL_NAMESPACE: name });
  return { register, again };
}
