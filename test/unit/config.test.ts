// Each process reads only the settings it uses (config/api-config.ts, config/worker-config.ts,
// config/migrate-config.ts), with the same refusal: one ConfigError naming every bad value.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadApiConfig, withoutWorkerSecrets } from '../../config/api-config';
import { ConfigError } from '../../config/env';
import { loadMigrateConfig } from '../../config/migrate-config';
import { loadWorkerConfig } from '../../config/worker-config';

/** Everything the API needs: no provider token, no zone id, no SMTP. */
const apiEnv = {
  CLOUDFLARE_DOMAIN: 'example.com',
  WHMCS_API_KEY: 'k1',
  WHMCS_HMAC_SECRET: 's'.repeat(16),
  CALLBACK_SECRET: 'c'.repeat(16),
  API_URL: 'https://hostflow.example.com',
};
/** Everything the worker needs: no signing pair. */
const workerEnv = {
  HETZNER_API_TOKEN: 't',
  CLOUDFLARE_API_TOKEN: 't',
  CLOUDFLARE_ZONE_ID: 'z',
  CLOUDFLARE_DOMAIN: 'example.com',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  EMAIL_FROM: 'ops@example.com',
  CALLBACK_SECRET: 'c'.repeat(16),
  API_URL: 'https://hostflow.example.com',
};
/** The worker with the providers on this machine (the sandbox), where dev shortcuts are fine. */
const sandboxed = { ...workerEnv, HETZNER_API_URL: 'http://127.0.0.1:4010/v1', CLOUDFLARE_API_URL: 'http://127.0.0.1:4010/client/v4', API_URL: undefined };

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'hostflow-config-'));
const secretFile = (name: string, value: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, `${value}\n`);
  return p;
};

describe('the API\'s configuration', () => {
  it('reads a complete environment with the documented defaults', () => {
    const config = loadApiConfig(apiEnv);
    expect(config.api.port).toBe(2222);
    expect(config.taskQueue).toBe('hostflow');
    expect(config.provisionReadyTimeoutMs).toBe(15 * 60_000);
    expect(config.catalog.serverTypes.professional).toBe('cpx32');
    expect(config.domain).toBe('example.com');
  });

  it('starts with no provider token, zone or SMTP, and holds none even when they are set', () => {
    const config = loadApiConfig({ ...apiEnv, HETZNER_API_TOKEN: 'h', CLOUDFLARE_API_TOKEN: 'c', SMTP_URL: 'smtp://u:p@mail:587', BILLING_WEBHOOK_SECRET: 'w'.repeat(16) });
    const text = JSON.stringify(config);
    for (const field of ['hetzner', 'cloudflare', 'smtp', 'billingWebhookSecret', 'fleet']) expect(config).not.toHaveProperty(field);
    expect(text).not.toMatch(/smtp:|"h"|"c"|w{16}/);
    // Not read, so not validated either: a worker-only value cannot stop the API.
    expect(() => loadApiConfig({ ...apiEnv, SMTP_URL: 'http://nope', HETZNER_API_URL: 'nope' })).not.toThrow();
  });

  it('names every bad value at once', () => {
    const problems = problemsOf(() => loadApiConfig({ ...apiEnv, CLOUDFLARE_DOMAIN: undefined, API_PORT: 'abc', CALLBACK_SECRET: 'short' })).join('\n');
    expect(problems).toMatch(/^CLOUDFLARE_DOMAIN: not set$/m);
    expect(problems).toMatch(/^API_PORT: /m);
    expect(problems).toMatch(/^CALLBACK_SECRET: /m);
  });

  it('reads API_TRUST_PROXY as hops or proxy addresses, never as "trust everyone"', () => {
    expect(loadApiConfig(apiEnv).api.trustProxy).toBeUndefined();
    expect(loadApiConfig({ ...apiEnv, API_TRUST_PROXY: '1' }).api.trustProxy).toBe(1);
    expect(loadApiConfig({ ...apiEnv, API_TRUST_PROXY: 'loopback' }).api.trustProxy).toBe('loopback');
    expect(loadApiConfig({ ...apiEnv, API_TRUST_PROXY: '10.0.0.0/8, 192.168.1.2' }).api.trustProxy).toBe('10.0.0.0/8, 192.168.1.2');
    expect(() => loadApiConfig({ ...apiEnv, API_TRUST_PROXY: 'true' })).toThrow(/API_TRUST_PROXY/);
  });

  it('accepts several signing pairs for key rotation', () => {
    const config = loadApiConfig({ ...apiEnv, WHMCS_API_KEYS: `k2:${'x'.repeat(16)}, k3:${'y'.repeat(16)}` });
    expect(config.apiKeys.map((k) => k.key)).toEqual(['k1', 'k2', 'k3']);
  });

  it('refuses to start without any signing pair', () => {
    const { WHMCS_API_KEY: _k, WHMCS_HMAC_SECRET: _s, ...rest } = apiEnv;
    expect(() => loadApiConfig(rest)).toThrow(/signing pair/);
  });

  it.each([
    ['0.0.0.0/0'],
    ['::/0'],
    ['0.0.0.0/0.0.0.0'],
    ['::ffff:0:0/96'],
    ['0.0.0.0/1, 128.0.0.0/1'],
    ['10.0.0.0/8, 0.0.0.0/0'],
    ['2000::/3'],
    ['0/0'],
  ])('refuses API_TRUST_PROXY=%s, which lets any client choose its own address', (value) => {
    expect(() => loadApiConfig({ ...apiEnv, API_TRUST_PROXY: value })).toThrow(/API_TRUST_PROXY/);
  });

  it('accepts proxies named by address, narrow subnet, netmask or keyword', () => {
    expect(loadApiConfig({ ...apiEnv, API_TRUST_PROXY: '10.0.0.0/255.0.0.0, fd00::/8, ::1, uniquelocal' }).api.trustProxy).toBe('10.0.0.0/255.0.0.0, fd00::/8, ::1, uniquelocal');
    expect(loadApiConfig({ ...apiEnv, API_TRUST_PROXY: '0' }).api.trustProxy).toBe(0);
  });

  it('reserves the operator\'s usual hostnames by default; RESERVED_HOSTNAMES replaces the list', () => {
    expect(loadApiConfig(apiEnv).reservedHostnames).toEqual(expect.arrayContaining(['www', 'api', 'billing', 'hostflow', 'mail', 'ns1', 'status']));
    expect(loadApiConfig({ ...apiEnv, RESERVED_HOSTNAMES: 'Portal, shop ,portal' }).reservedHostnames).toEqual(['portal', 'shop']);
    expect(loadApiConfig({ ...apiEnv, RESERVED_HOSTNAMES: 'none' }).reservedHostnames).toEqual([]);
    expect(() => loadApiConfig({ ...apiEnv, RESERVED_HOSTNAMES: 'a b' })).toThrow(/RESERVED_HOSTNAMES/);
  });

  it('serves API metrics on loopback by default, elsewhere or nowhere when told (API_METRICS_ADDRESS)', () => {
    expect(loadApiConfig(apiEnv).api.metrics).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(loadApiConfig({ ...apiEnv, API_METRICS_ADDRESS: '0.0.0.0:9100' }).api.metrics).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(loadApiConfig({ ...apiEnv, API_METRICS_ADDRESS: '[::1]:9100' }).api.metrics).toEqual({ host: '::1', port: 9100 });
    expect(loadApiConfig({ ...apiEnv, API_METRICS_ADDRESS: 'off' }).api.metrics).toBeUndefined();
    expect(() => loadApiConfig({ ...apiEnv, API_METRICS_ADDRESS: '9100' })).toThrow(/API_METRICS_ADDRESS/);
  });

  it('bounds an instance\'s queue at 20 operations unless API_MAX_QUEUED_OPERATIONS says otherwise', () => {
    expect(loadApiConfig(apiEnv).maxQueuedOperations).toBe(20);
    expect(loadApiConfig({ ...apiEnv, API_MAX_QUEUED_OPERATIONS: '5' }).maxQueuedOperations).toBe(5);
    expect(() => loadApiConfig({ ...apiEnv, API_MAX_QUEUED_OPERATIONS: '0' })).toThrow(/API_MAX_QUEUED_OPERATIONS/);
  });

  it('reads its secrets from NAME_FILE', () => {
    const { WHMCS_HMAC_SECRET: _s, CALLBACK_SECRET: _c, ...rest } = apiEnv;
    const config = loadApiConfig({ ...rest, WHMCS_HMAC_SECRET_FILE: secretFile('hmac', 'h'.repeat(20)), CALLBACK_SECRET_FILE: secretFile('api-callback', 'a'.repeat(20)) });
    expect(config.apiKeys).toEqual([{ key: 'k1', secret: 'h'.repeat(20) }]);
    expect(config.callbackSecret).toBe('a'.repeat(20));
  });
});

describe('the worker\'s configuration', () => {
  it('reads a complete environment with the documented defaults, and needs no signing pair', () => {
    const config = loadWorkerConfig(workerEnv);
    expect(config.hetzner.url).toBe('https://api.hetzner.cloud/v1');
    expect(config.cloudflare).toEqual({ token: 't', zoneId: 'z', url: 'https://api.cloudflare.com/client/v4' });
    expect(config.domain).toBe('example.com');
    expect(config.apiPublicUrl).toBe('https://hostflow.example.com');
    expect(config.catalog.sshAllowedCidrs).toEqual(['0.0.0.0/0', '::/0']);
    expect(config.maxCachedWorkflows).toBe(100);
    expect(config).not.toHaveProperty('apiKeys');
  });

  it('refuses to start without its providers, naming each missing setting', () => {
    const problems = problemsOf(() => loadWorkerConfig({ DATABASE_URL: 'postgres://db/hostflow' }));
    expect(problems).toEqual(expect.arrayContaining(
      ['HETZNER_API_TOKEN', 'CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ZONE_ID', 'CLOUDFLARE_DOMAIN', 'SMTP_URL', 'EMAIL_FROM', 'CALLBACK_SECRET'].map((name) => `${name}: not set`),
    ));
    expect(problems).toHaveLength(7);
  });

  it('names a bad value and a missing one together', () => {
    const problems = problemsOf(() => loadWorkerConfig({ ...workerEnv, SMTP_URL: 'http://nope', HETZNER_API_TOKEN: undefined, SNAPSHOT_RETENTION: '0' })).join('\n');
    expect(problems).toMatch(/^SMTP_URL: /m);
    expect(problems).toMatch(/^HETZNER_API_TOKEN: not set$/m);
    expect(problems).toMatch(/^SNAPSHOT_RETENTION: /m);
  });

  it('reads its secrets from NAME_FILE', () => {
    const { HETZNER_API_TOKEN: _h, CLOUDFLARE_API_TOKEN: _c, SMTP_URL: _m, ...rest } = workerEnv;
    const config = loadWorkerConfig({
      ...rest,
      HETZNER_API_TOKEN_FILE: secretFile('hetzner', 'hetzner-secret'),
      CLOUDFLARE_API_TOKEN_FILE: secretFile('cloudflare', 'cloudflare-secret'),
      SMTP_URL_FILE: secretFile('smtp', 'smtps://u:p@mail.example.com:465'),
    });
    expect([config.hetzner.token, config.cloudflare.token, config.smtp.url]).toEqual(['hetzner-secret', 'cloudflare-secret', 'smtps://u:p@mail.example.com:465']);
  });

  it('refuses a webhook secret that is an inbound signing secret, also when that one comes from a file', () => {
    const shared = 'same-secret-0123456789';
    const env = { ...workerEnv, WHMCS_API_KEY: 'k1', WHMCS_HMAC_SECRET_FILE: secretFile('inbound', shared), BILLING_WEBHOOK_URL: 'https://billing.example.com/hook', BILLING_WEBHOOK_SECRET: shared };
    expect(problemsOf(() => loadWorkerConfig(env))).toEqual(['BILLING_WEBHOOK_SECRET: must differ from every inbound signing secret']);
  });

  describe('with a real provider', () => {
    it.each([
      ['the default loopback API_URL', { API_URL: undefined }, /API_URL: 127\.0\.0\.1 is this machine/],
      ['a plain-http API_URL', { API_URL: 'http://hostflow.example.com' }, /API_URL: .*must be https/],
      ['localhost over https', { API_URL: 'https://localhost:2222' }, /API_URL: localhost is this machine/],
      ['[::1]', { API_URL: 'https://[::1]:2222' }, /API_URL: ::1 is this machine/],
      ['real Hetzner with sandbox Cloudflare', { CLOUDFLARE_API_URL: 'http://127.0.0.1:4010/client/v4' }, /one provider is real and the other a local stand-in/],
      ['sandbox Hetzner with real Cloudflare', { HETZNER_API_URL: 'http://127.0.0.1:4010/v1' }, /one provider is real/],
    ])('refuses %s', (_what, overrides, message) => {
      expect(() => loadWorkerConfig({ ...workerEnv, ...overrides })).toThrow(message);
    });

    it('starts with an https API_URL that servers can reach', () => {
      expect(loadWorkerConfig(workerEnv).apiPublicUrl).toBe('https://hostflow.example.com');
    });

    it('still allows a loopback http API_URL when both providers are the local sandbox', () => {
      expect(loadWorkerConfig(sandboxed).apiPublicUrl).toBe('http://127.0.0.1:2222');
    });
  });
});

describe('the migration\'s configuration', () => {
  it('reads DATABASE_URL or DATABASE_URL_FILE and nothing else', () => {
    expect(loadMigrateConfig({ DATABASE_URL_FILE: secretFile('db', 'postgres://u:p@db:5432/hostflow') })).toEqual({ databaseUrl: 'postgres://u:p@db:5432/hostflow' });
    expect(problemsOf(() => loadMigrateConfig({}))).toEqual([expect.stringMatching(/^DATABASE_URL: not set/)]);
    expect(problemsOf(() => loadMigrateConfig({ DATABASE_URL: 'mysql://db/hostflow' }))).toEqual([expect.stringMatching(/^DATABASE_URL: /)]);
  });
});

describe('the environment a launcher gives the API', () => {
  it('drops the worker\'s secrets, inline or as files, and keeps everything else', () => {
    const env = { ...workerEnv, ...apiEnv, SMTP_URL_FILE: '/run/secrets/smtp', BILLING_WEBHOOK_SECRET: 'w'.repeat(16), PATH: '/usr/bin' };
    const { SMTP_URL: _m, HETZNER_API_TOKEN: _h, CLOUDFLARE_API_TOKEN: _c, SMTP_URL_FILE: _f, BILLING_WEBHOOK_SECRET: _w, ...kept } = env;
    expect(withoutWorkerSecrets(env)).toEqual(kept);
    expect(loadApiConfig(withoutWorkerSecrets(env)).domain).toBe('example.com');
  });
});
