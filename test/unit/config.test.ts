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
};

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
});
