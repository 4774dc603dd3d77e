// What the migration one-shot (schema/migrate.ts) reads: the database, NAME_FILE included, and
// nothing else (the k8s Job mounts only that secret).
import { z } from 'zod';
import { ConfigError } from './env';
import { withFileSecrets } from './file-secrets';

const migrateEnv = z.object({ DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' }) });

export function loadMigrateConfig(rawEnv: NodeJS.ProcessEnv = process.env): { databaseUrl: string } {
  const { env, problems } = withFileSecrets(rawEnv, ['DATABASE_URL']);
  if (problems.length > 0) throw new ConfigError(problems);
  if (!env.DATABASE_URL) throw new ConfigError(['DATABASE_URL: not set; point it at the Postgres to migrate']);
  const parsed = migrateEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return { databaseUrl: parsed.data.DATABASE_URL };
}
