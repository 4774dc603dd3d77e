// NAME_FILE secrets (config/file-secrets.ts through each process's loader).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../config/worker-config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hostflow-secrets-'));
const file = (name: string, value: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, value);
  return p;
};
const base = {
  HETZNER_API_TOKEN: 'h', CLOUDFLARE_API_TOKEN: 'c', CLOUDFLARE_ZONE_ID: 'z', CLOUDFLARE_DOMAIN: 'example.com',
  HETZNER_API_URL: 'http://127.0.0.1:4010/v1', CLOUDFLARE_API_URL: 'http://127.0.0.1:4010/client/v4', SMTP_URL: 'smtp://127.0.0.1:2525', EMAIL_FROM: 'Hostflow <a@example.com>', WHMCS_API_KEY: 'k', WHMCS_HMAC_SECRET: 'x'.repeat(32),
};

describe('*_FILE secrets', () => {
  it('reads a setting from the file NAME_FILE names, dropping one trailing newline', () => {
    const config = loadWorkerConfig({ ...base, CALLBACK_SECRET_FILE: file('callback', 'c'.repeat(24) + '\n'), DATABASE_URL_FILE: file('db', 'postgres://u:p@db:5432/hostflow\n') });
    expect(config.callbackSecret).toBe('c'.repeat(24));
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/hostflow');
  });

  it('validates a value read from a file like any other', () => {
    expect(() => loadWorkerConfig({ ...base, CALLBACK_SECRET_FILE: file('short', 'short') })).toThrow(/CALLBACK_SECRET/);
  });

  it('refuses NAME and NAME_FILE together, and a file it cannot read, naming both', () => {
    let error: unknown;
    try {
      loadWorkerConfig({ ...base, SMTP_URL: undefined, CALLBACK_SECRET: 'c'.repeat(24), CALLBACK_SECRET_FILE: file('both', 'c'.repeat(24)), SMTP_URL_FILE: path.join(dir, 'missing') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(expect.arrayContaining([
      'CALLBACK_SECRET_FILE: CALLBACK_SECRET is set too; set one of them',
      expect.stringMatching(/^SMTP_URL_FILE: cannot read .*missing \(ENOENT\)$/),
    ]));
    expect((error as ConfigError).problems).toHaveLength(2);
  });
});
