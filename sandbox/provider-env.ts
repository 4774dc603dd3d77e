// The settings that point Hostflow's real clients at a running sandbox: the same variable names
// as real Hetzner, Cloudflare and SMTP (see config/env.ts), so nothing else changes.
import type { Sandbox } from './types';

export function sandboxProviderEnv(sandbox: Sandbox): Record<string, string> {
  return {
    HETZNER_API_TOKEN: 'sandbox-hetzner-token',
    HETZNER_API_URL: sandbox.hetznerUrl,
    CLOUDFLARE_API_TOKEN: 'sandbox-cloudflare-token',
    CLOUDFLARE_ZONE_ID: sandbox.cloudflareZoneId,
    CLOUDFLARE_DOMAIN: sandbox.cloudflareZoneName,
    CLOUDFLARE_API_URL: sandbox.cloudflareUrl,
    SMTP_URL: `smtp://${sandbox.smtpHost}:${sandbox.smtpPort}`,
  };
}
