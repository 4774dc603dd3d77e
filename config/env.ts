// Reading the environment: NAME_FILE secrets, validation, and one error that names every bad value.
// Each process composes only the setting groups it uses (config/api-config.ts,
// config/worker-config.ts, config/migrate-config.ts) and parses them here once at start.
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../workflows/ids';
import { withFileSecrets } from './file-secrets';
import { parsePayloadEncryption, type PayloadEncryptionKeys } from './payload-encryption';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Hostflow cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Throws one ConfigError for all of them, so an operator fixes everything in one round. */
export function refuseProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigError([...problems]);
}

/** Settings every process that talks to Temporal and Postgres reads. */
export const commonEnvShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export interface CommonConfig {
  databaseUrl: string | undefined;
  taskQueue: string;
  logLevel: string;
  /** Payload encryption keys (PAYLOAD_ENCRYPTION_*); undefined: payloads are stored unencrypted. */
  payloadEncryption: PayloadEncryptionKeys | undefined;
}

export interface ParsedEnv<S extends z.ZodRawShape> {
  values: z.output<z.ZodObject<S>>;
  /** The environment with NAME_FILE values read in (for settings outside `shape`, e.g. a cross-check). */
  env: NodeJS.ProcessEnv;
  common: CommonConfig;
}

/**
 * Validates `shape` (plus the common settings and the payload keys) against `rawEnv`, NAME_FILE
 * read first for every name in it and for `alsoFromFiles`. Refuses with every problem at once.
 */
export function parseEnv<S extends z.ZodRawShape>(rawEnv: NodeJS.ProcessEnv, shape: S, alsoFromFiles: readonly string[] = []): ParsedEnv<S> {
  const schema = z.object({ ...commonEnvShape, ...shape });
  const { env, problems: fileProblems } = withFileSecrets(rawEnv, [...Object.keys(schema.shape), ...alsoFromFiles]);
  refuseProblems(fileProblems);
  const parsed = schema.safeParse(env);
  const encryption = parsePayloadEncryption(env);
  const issues = parsed.success ? [] : parsed.error.issues.map((issue) => describeIssue(issue, env));
  refuseProblems([...issues, ...encryption.problems]);
  const values = parsed.data! as z.output<z.ZodObject<typeof commonEnvShape>> & z.output<z.ZodObject<S>>;
  return {
    values,
    env,
    common: { databaseUrl: values.DATABASE_URL, taskQueue: values.TEMPORAL_TASK_QUEUE, logLevel: values.LOG_LEVEL, payloadEncryption: encryption.keys },
  };
}

/** "not set" for a missing required value: zod's "expected string, received undefined" says less. */
function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = issue.path.join('.');
  if (issue.code === 'invalid_type' && env[name] === undefined) return `${name}: not set`;
  return `${name}: ${issue.message}`;
}
