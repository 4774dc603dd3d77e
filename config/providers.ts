// The providers the worker's activities call: Hetzner Cloud, Cloudflare DNS and SMTP. Only the
// worker reads these; the sandbox is the same settings pointed at this machine.
import { z } from 'zod';
import { realProviderProblems } from './real-providers';

export const providersEnvShape = {
  HETZNER_API_TOKEN: z.string().min(1),
  HETZNER_API_URL: z.url().default('https://api.hetzner.cloud/v1'),
  CLOUDFLARE_API_TOKEN: z.string().min(1),
  CLOUDFLARE_ZONE_ID: z.string().min(1),
  CLOUDFLARE_API_URL: z.url().default('https://api.cloudflare.com/client/v4'),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }),
  EMAIL_FROM: z.string().min(3),
};

type ProvidersEnv = z.output<z.ZodObject<typeof providersEnvShape>>;

export interface ProvidersConfig {
  hetzner: { token: string; url: string };
  cloudflare: { token: string; zoneId: string; url: string };
  smtp: { url: string; from: string };
}

export function providersConfig(e: ProvidersEnv): ProvidersConfig {
  return {
    hetzner: { token: e.HETZNER_API_TOKEN, url: e.HETZNER_API_URL },
    cloudflare: { token: e.CLOUDFLARE_API_TOKEN, zoneId: e.CLOUDFLARE_ZONE_ID, url: e.CLOUDFLARE_API_URL },
    smtp: { url: e.SMTP_URL, from: e.EMAIL_FROM },
  };
}

/** With a real provider, new servers must be able to call back: config/real-providers.ts. */
export function providersProblems(e: ProvidersEnv, apiUrl: string): string[] {
  return realProviderProblems({ hetznerUrl: e.HETZNER_API_URL, cloudflareUrl: e.CLOUDFLARE_API_URL, apiUrl });
}
