// `npm start` decides before starting anything: the sandbox with dev secrets, or real providers
// with every setting the operator's own. A single real token must never fall back to anything.
import { decideStartMode } from '../../scripts/start-mode';

const real = {
  HETZNER_API_TOKEN: 'h-token',
  CLOUDFLARE_API_TOKEN: 'cf-token',
  CLOUDFLARE_ZONE_ID: 'zone',
  CLOUDFLARE_DOMAIN: 'vps.example.com',
  SMTP_URL: 'smtps://mail.example.com:465',
  WHMCS_API_KEY: 'billing',
  WHMCS_HMAC_SECRET: 's'.repeat(32),
  CALLBACK_SECRET: 'c'.repeat(32),
  API_URL: 'https://hostflow.example.com',
};

describe('npm start: sandbox or real providers', () => {
  it('runs the sandbox with dev values when no provider token is set', () => {
    expect(decideStartMode({})).toEqual({ kind: 'sandbox' });
    expect(decideStartMode({ CLOUDFLARE_ZONE_ID: 'zone', API_PORT: '2222' })).toEqual({ kind: 'sandbox' });
  });

  it('runs real providers when every setting is the operator\'s own', () => {
    expect(decideStartMode(real)).toEqual({ kind: 'real' });
    const { WHMCS_API_KEY: _k, WHMCS_HMAC_SECRET: _s, ...rest } = real;
    expect(decideStartMode({ ...rest, WHMCS_API_KEYS: `a:${'x'.repeat(16)}` })).toEqual({ kind: 'real' });
  });

  it('refuses a lone Hetzner token, naming everything missing instead of falling back to the sandbox', () => {
    const mode = decideStartMode({ HETZNER_API_TOKEN: 'h-token' });
    expect(mode.kind).toBe('refused');
    const problems = mode.kind === 'refused' ? mode.problems.join('\n') : '';
    for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ZONE_ID', 'CLOUDFLARE_DOMAIN', 'SMTP_URL', 'CALLBACK_SECRET', 'API_URL', 'WHMCS_API_KEY']) {
      expect(problems).toContain(name);
    }
    expect(problems).not.toContain('HETZNER_API_TOKEN:');
  });

  it.each([
    ['a lone Cloudflare token', { HETZNER_API_TOKEN: undefined }, /HETZNER_API_TOKEN/],
    ['no signing pair (the dev one is for the sandbox)', { WHMCS_API_KEY: undefined }, /WHMCS_API_KEY/],
    ['no CALLBACK_SECRET', { CALLBACK_SECRET: undefined }, /CALLBACK_SECRET/],
    ['a loopback API_URL', { API_URL: 'https://127.0.0.1:2222' }, /API_URL: 127\.0\.0\.1 is this machine/],
    ['a plain-http API_URL', { API_URL: 'http://hostflow.example.com' }, /must be https/],
  ])('refuses %s', (_what, overrides, message) => {
    const mode = decideStartMode({ ...real, ...overrides });
    expect(mode.kind).toBe('refused');
    expect(mode.kind === 'refused' ? mode.problems.join('\n') : '').toMatch(message);
  });

  it('never puts a secret in what it prints', () => {
    const mode = decideStartMode({ ...real, API_URL: 'http://127.0.0.1:2222', CALLBACK_SECRET: undefined });
    const text = JSON.stringify(mode);
    expect(text).not.toContain(real.WHMCS_HMAC_SECRET);
    expect(text).not.toContain(real.HETZNER_API_TOKEN);
    expect(text).not.toContain(real.CLOUDFLARE_API_TOKEN);
  });
});
