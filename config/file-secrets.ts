// `NAME_FILE=/path` for any setting NAME: the value is read from that file (a Kubernetes or Docker
// secret mounted as a file), with one trailing newline dropped. Setting both NAME and NAME_FILE is
// an error, not a silent choice. Applied by config/env.ts's parseEnv() before validation, so a value read from a
// file is checked like any other.
import { readFileSync } from 'node:fs';

export function withFileSecrets(env: NodeJS.ProcessEnv, names: readonly string[]): { env: NodeJS.ProcessEnv; problems: string[] } {
  const out: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}_FILE: ${name} is set too; set one of them`);
      continue;
    }
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return { env: out, problems };
}
