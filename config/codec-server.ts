// Settings of the codec server (codec-server/main.ts), read apart from config/env.ts: it needs
// the payload keys and these, not provider tokens or Postgres.
import { z } from 'zod';

/** The dev Web UI's origins (temporal-dev.yaml: ui port 8233) when CODEC_SERVER_CORS_ORIGINS is unset. */
export const DEFAULT_CODEC_SERVER_CORS_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];
export const DEFAULT_CODEC_SERVER_PORT = 8234;

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'expected origins such as https://temporal.example.com (scheme, host and port only, no path or trailing slash)');

const schema = z.object({
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_CODEC_SERVER_PORT),
  // A shared secret for the CLI and scripts (`--codec-auth "Bearer …"`); the Web UI can only pass
  // its users' own access tokens, so leave it unset behind an authenticating proxy instead.
  CODEC_SERVER_TOKEN: z.string().min(16, 'expected 16+ characters').optional(),
  CODEC_SERVER_CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(origin).min(1, 'expected a comma list of origins'))
    .optional(),
});

export interface CodecServerSettings {
  host: string;
  port: number;
  token: string | undefined;
  /** Browser origins (the Web UI's) allowed to call it. */
  corsOrigins: string[];
}

export function parseCodecServerSettings(env: NodeJS.ProcessEnv): { settings?: CodecServerSettings; problems: string[] } {
  const parsed = schema.safeParse(env);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
  const e = parsed.data;
  return {
    settings: { host: e.CODEC_SERVER_HOST, port: e.CODEC_SERVER_PORT, token: e.CODEC_SERVER_TOKEN, corsOrigins: e.CODEC_SERVER_CORS_ORIGINS ?? DEFAULT_CODEC_SERVER_CORS_ORIGINS },
    problems: [],
  };
}
