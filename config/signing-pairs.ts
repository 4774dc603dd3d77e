// The billing system's signing pairs the API checks every signed request against (WHMCS_*).
// Only the API reads them: the worker signs its outgoing webhook with a secret of its own.
import { z } from 'zod';

export interface ApiKeyPair {
  key: string;
  secret: string;
}

const apiKeyPairs = z.string().transform((value, ctx) => {
  const pairs = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      return at > 0 ? { key: entry.slice(0, at), secret: entry.slice(at + 1) } : null;
    });
  if (pairs.length === 0 || pairs.some((p) => p === null || p.secret.length < 16)) {
    ctx.addIssue({ code: 'custom', message: 'expected key:secret[,key:secret…] with secrets of 16+ characters' });
    return z.NEVER;
  }
  return pairs as ApiKeyPair[];
});

export const signingPairsEnvShape = {
  WHMCS_API_KEY: z.string().min(1).optional(),
  WHMCS_HMAC_SECRET: z.string().min(16).optional(),
  WHMCS_API_KEYS: apiKeyPairs.optional(),
};

type SigningPairsEnv = z.output<z.ZodObject<typeof signingPairsEnvShape>>;

/** Every pair, the single WHMCS_API_KEY/WHMCS_HMAC_SECRET one first; several at once for rotation. */
export function signingPairs(e: SigningPairsEnv): ApiKeyPair[] {
  const pairs = [...(e.WHMCS_API_KEYS ?? [])];
  if (e.WHMCS_API_KEY && e.WHMCS_HMAC_SECRET) pairs.unshift({ key: e.WHMCS_API_KEY, secret: e.WHMCS_HMAC_SECRET });
  return pairs;
}

export function signingPairsProblems(e: SigningPairsEnv): string[] {
  return signingPairs(e).length > 0 ? [] : ['WHMCS_API_KEY and WHMCS_HMAC_SECRET (or WHMCS_API_KEYS=key:secret,…): at least one signing pair is required'];
}
