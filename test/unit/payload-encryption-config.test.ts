// Wrong or missing payload keys stop a process at start, with a message that names the setting
// and never the key material.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../config/worker-config';
import { loadPayloadEncryption, parsePayloadEncryption } from '../../config/payload-encryption';

const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('base64');
const problems = (env: Record<string, string>) => parsePayloadEncryption(env).problems.join('\n');

const hostflow = {
  HETZNER_API_TOKEN: 't',
  CLOUDFLARE_API_TOKEN: 't',
  CLOUDFLARE_ZONE_ID: 'z',
  CLOUDFLARE_DOMAIN: 'example.com',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  EMAIL_FROM: 'ops@example.com',
  WHMCS_API_KEY: 'k1',
  WHMCS_HMAC_SECRET: 's'.repeat(16),
  CALLBACK_SECRET: 'c'.repeat(16),
  API_URL: 'https://hostflow.example.com',
};

describe('payload encryption settings', () => {
  it('is off when nothing is set', () => {
    expect(parsePayloadEncryption({})).toEqual({ problems: [] });
    expect(loadWorkerConfig(hostflow).payloadEncryption).toBeUndefined();
  });

  it('reads several keys, all for decryption and the named one for encryption', () => {
    const encryption = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: `2026-01:${keyA}, 2026-07:${keyB}`, PAYLOAD_ENCRYPTION_ACTIVE_KEY: '2026-07' });
    expect(encryption?.activeKeyId).toBe('2026-07');
    expect([...encryption!.keys.keys()]).toEqual(['2026-01', '2026-07']);
    expect(encryption!.keys.get('2026-01')).toEqual(Buffer.alloc(32, 1));
  });

  it('takes a single key as the active one without naming it', () => {
    expect(loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS: `only:${keyA}` })?.activeKeyId).toBe('only');
  });

  it('reads the key list from a file (a mounted secret), one key per line', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hostflow-keys-')), 'keys');
    writeFileSync(file, `a:${keyA}\nb:${keyB}\n`);
    const encryption = loadPayloadEncryption({ PAYLOAD_ENCRYPTION_KEYS_FILE: file, PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'b' });
    expect([...encryption!.keys.keys()]).toEqual(['a', 'b']);
    expect(problems({ PAYLOAD_ENCRYPTION_KEYS_FILE: `${file}.missing` })).toMatch(/PAYLOAD_ENCRYPTION_KEYS_FILE: cannot read .*ENOENT/);
    expect(problems({ PAYLOAD_ENCRYPTION_KEYS_FILE: file, PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}` })).toMatch(/set one, not both/);
  });

  it.each([
    ['a key of the wrong length', { PAYLOAD_ENCRYPTION_KEYS: `a:${Buffer.alloc(16).toString('base64')}` }, /^(?![\s\S]*ACTIVE_KEY)[\s\S]*key "a" must be 32 bytes of base64/],
    ['a key that is not base64', { PAYLOAD_ENCRYPTION_KEYS: `a:${keyA.slice(0, -2)}!!` }, /key "a" must be 32 bytes/],
    ['an entry without an id', { PAYLOAD_ENCRYPTION_KEYS: keyA }, /expected id:base64key entries/],
    ['a duplicate id', { PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},a:${keyB}`, PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'a' }, /key id "a" appears twice/],
    ['an unknown active id', { PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}`, PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'c' }, /"c" is not one of the ids .*\(a, b\)/],
    ['several keys without an active one', { PAYLOAD_ENCRYPTION_KEYS: `a:${keyA},b:${keyB}` }, /PAYLOAD_ENCRYPTION_ACTIVE_KEY: required with more than one key/],
    ['an active key without keys', { PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'a' }, /refusing to run unencrypted/],
    ['an empty list', { PAYLOAD_ENCRYPTION_KEYS: ' , ' }, /holds no key/],
  ])('refuses %s', (_what, env, message) => {
    expect(() => loadPayloadEncryption(env)).toThrow(message);
    // The same refusal stops the API and the worker, next to every other bad setting.
    try {
      loadWorkerConfig({ ...hostflow, ...env, CALLBACK_SECRET: 'short' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).message).toMatch(/CALLBACK_SECRET/);
    }
  });

  it('never repeats key material in a message', () => {
    const message = problems({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA.slice(0, 40)}, ${keyB}`, PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'a' });
    expect(message).not.toContain(keyA.slice(0, 40));
    expect(message).not.toContain(keyB);
  });
});
