// What `npm start` may run with, decided before anything starts. Either the sandbox with dev
// secrets, or real providers with everything set by the operator: a provider token alone must never
// fall back to the sandbox for the other provider, nor to dev secrets, nor to a loopback callback URL.
import { realProviderProblems } from '../config/real-providers';

export type StartMode =
  | { kind: 'sandbox' }
  | { kind: 'real' }
  | { kind: 'refused'; problems: string[] };

const PROVIDER_TOKENS = ['HETZNER_API_TOKEN', 'CLOUDFLARE_API_TOKEN'] as const;
/** Settings that must be the operator's own once any real provider is configured. */
const REQUIRED_FOR_REAL = ['HETZNER_API_TOKEN', 'CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ZONE_ID', 'CLOUDFLARE_DOMAIN', 'SMTP_URL', 'CALLBACK_SECRET', 'API_URL'] as const;

export function decideStartMode(env: NodeJS.ProcessEnv): StartMode {
  if (!PROVIDER_TOKENS.some((name) => env[name])) return { kind: 'sandbox' };
  const problems: string[] = REQUIRED_FOR_REAL.filter((name) => !env[name]).map(
    (name) => `${name}: not set; with a real provider token every provider, the signing pair, CALLBACK_SECRET and API_URL must be set (no sandbox or dev value is filled in)`,
  );
  if (!env.WHMCS_API_KEYS && !(env.WHMCS_API_KEY && env.WHMCS_HMAC_SECRET)) {
    problems.push('WHMCS_API_KEY and WHMCS_HMAC_SECRET (or WHMCS_API_KEYS): not set; the dev signing pair is for the sandbox only');
  }
  if (env.API_URL) {
    try {
      problems.push(
        ...realProviderProblems({
          hetznerUrl: env.HETZNER_API_URL || 'https://api.hetzner.cloud/v1',
          cloudflareUrl: env.CLOUDFLARE_API_URL || 'https://api.cloudflare.com/client/v4',
          apiUrl: env.API_URL,
        }),
      );
    } catch {
      problems.push('API_URL, HETZNER_API_URL or CLOUDFLARE_API_URL: not a URL');
    }
  }
  return problems.length > 0 ? { kind: 'refused', problems } : { kind: 'real' };
}
