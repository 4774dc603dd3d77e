// Dev-only signing key, secret and callback secret: made once, kept in .data/ (git-ignored), so a
// restart keeps the same values and a signed curl from the README keeps working.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DevSecrets {
  apiKey: string;
  hmacSecret: string;
  callbackSecret: string;
}

export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    apiKey: 'dev-whmcs',
    hmacSecret: randomBytes(24).toString('hex'),
    callbackSecret: randomBytes(24).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
