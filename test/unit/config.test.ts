import { ConfigError, loadConfig } from '../../config/env';

const valid = {
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
/** The same with the providers on this machine (the sandbox), where dev shortcuts are fine. */
const sandboxed = { ...valid, HETZNER_API_URL: 'http://127.0.0.1:4010/v1', CLOUDFLARE_API_URL: 'http://127.0.0.1:4010/client/v4', API_URL: undefined };

describe('configuration', () => {
  it('reads a complete environment with the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.api.port).toBe(2222);
    expect(config.taskQueue).toBe('hostflow');
    expect(config.provisionReadyTimeoutMs).toBe(15 * 60_000);
    expect(config.catalog.serverTypes.professional).toBe('cpx32');
  });

  it('names every bad value at once', () => {
    try {
      loadConfig({ ...valid, SMTP_URL: 'http://nope', API_PORT: 'abc', CALLBACK_SECRET: 'short' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/SMTP_URL/);
      expect(problems).toMatch(/API_PORT/);
      expect(problems).toMatch(/CALLBACK_SECRET/);
    }
  });

  it('reads API_TRUST_PROXY as hops or proxy addresses, never as "trust everyone"', () => {
    expect(loadConfig(valid).api.trustProxy).toBeUndefined();
    expect(loadConfig({ ...valid, API_TRUST_PROXY: '1' }).api.trustProxy).toBe(1);
    expect(loadConfig({ ...valid, API_TRUST_PROXY: 'loopback' }).api.trustProxy).toBe('loopback');
    expect(loadConfig({ ...valid, API_TRUST_PROXY: '10.0.0.0/8, 192.168.1.2' }).api.trustProxy).toBe('10.0.0.0/8, 192.168.1.2');
    expect(() => loadConfig({ ...valid, API_TRUST_PROXY: 'true' })).toThrow(/API_TRUST_PROXY/);
  });

  it('accepts several signing pairs for key rotation', () => {
    const config = loadConfig({ ...valid, WHMCS_API_KEYS: `k2:${'x'.repeat(16)}, k3:${'y'.repeat(16)}` });
    expect(config.apiKeys.map((k) => k.key)).toEqual(['k1', 'k2', 'k3']);
  });

  it('refuses to start without any signing pair', () => {
    const { WHMCS_API_KEY: _k, WHMCS_HMAC_SECRET: _s, ...rest } = valid;
    expect(() => loadConfig(rest)).toThrow(/signing pair/);
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
    expect(() => loadConfig({ ...valid, API_TRUST_PROXY: value })).toThrow(/API_TRUST_PROXY/);
  });

  it('accepts proxies named by address, narrow subnet, netmask or keyword', () => {
    expect(loadConfig({ ...valid, API_TRUST_PROXY: '10.0.0.0/255.0.0.0, fd00::/8, ::1, uniquelocal' }).api.trustProxy).toBe('10.0.0.0/255.0.0.0, fd00::/8, ::1, uniquelocal');
    expect(loadConfig({ ...valid, API_TRUST_PROXY: '0' }).api.trustProxy).toBe(0);
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
      expect(() => loadConfig({ ...valid, ...overrides })).toThrow(message);
    });

    it('starts with an https API_URL that servers can reach', () => {
      expect(loadConfig(valid).api.publicUrl).toBe('https://hostflow.example.com');
    });

    it('still allows a loopback http API_URL when both providers are the local sandbox', () => {
      expect(loadConfig(sandboxed).api.publicUrl).toBe('http://127.0.0.1:2222');
    });
  });

  it('reserves the operator\'s usual hostnames by default; RESERVED_HOSTNAMES replaces the list', () => {
    expect(loadConfig(valid).reservedHostnames).toEqual(expect.arrayContaining(['www', 'api', 'billing', 'hostflow', 'mail', 'ns1', 'status']));
    expect(loadConfig({ ...valid, RESERVED_HOSTNAMES: 'Portal, shop ,portal' }).reservedHostnames).toEqual(['portal', 'shop']);
    expect(loadConfig({ ...valid, RESERVED_HOSTNAMES: 'none' }).reservedHostnames).toEqual([]);
    expect(() => loadConfig({ ...valid, RESERVED_HOSTNAMES: 'a b' })).toThrow(/RESERVED_HOSTNAMES/);
  });

  it('serves API metrics on loopback by default, elsewhere or nowhere when told (API_METRICS_ADDRESS)', () => {
    expect(loadConfig(valid).api.metrics).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(loadConfig({ ...valid, API_METRICS_ADDRESS: '0.0.0.0:9100' }).api.metrics).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(loadConfig({ ...valid, API_METRICS_ADDRESS: '[::1]:9100' }).api.metrics).toEqual({ host: '::1', port: 9100 });
    expect(loadConfig({ ...valid, API_METRICS_ADDRESS: 'off' }).api.metrics).toBeUndefined();
    expect(() => loadConfig({ ...valid, API_METRICS_ADDRESS: '9100' })).toThrow(/API_METRICS_ADDRESS/);
  });

  it('bounds an instance\'s queue at 20 operations unless API_MAX_QUEUED_OPERATIONS says otherwise', () => {
    expect(loadConfig(valid).maxQueuedOperations).toBe(20);
    expect(loadConfig({ ...valid, API_MAX_QUEUED_OPERATIONS: '5' }).maxQueuedOperations).toBe(5);
    expect(() => loadConfig({ ...valid, API_MAX_QUEUED_OPERATIONS: '0' })).toThrow(/API_MAX_QUEUED_OPERATIONS/);
  });
});
