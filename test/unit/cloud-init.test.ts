import { parse } from 'yaml';
import { MAX_USER_DATA_BYTES, renderCloudInit } from '../../activities/cloud-init';

const values = {
  instance_id: '6f1c2b1e-0000-4000-8000-000000000001',
  hostname: 'acme-42',
  fqdn: 'acme-42.hostflow.test',
  callback_url: 'http://127.0.0.1:2222/api/instances/6f1c2b1e-0000-4000-8000-000000000001/ready',
  callback_token: 'a'.repeat(64),
  failed_url: "http://127.0.0.1:2222/api/instances/6f1c2b1e-0000-4000-8000-000000000001/failed",
  ssh_allowed_cidrs: "0.0.0.0/0,::/0",
  gateway_port: '18789',
};

describe('cloud-init rendering', () => {
  it('renders valid cloud-config with the callback URL and token in a root-only file', () => {
    const doc = parse(renderCloudInit(values)) as { write_files: { path: string; permissions: string; content: string }[] };
    const env = doc.write_files.find((f) => f.path === '/etc/hostflow/callback.env')!;
    expect(env.permissions).toBe('0600');
    expect(env.content).toContain(`HOSTFLOW_CALLBACK_URL=${values.callback_url}`);
    expect(env.content).toContain(`HOSTFLOW_CALLBACK_TOKEN=${values.callback_token}`);
  });

  it('stays well under Hetzner’s 32 KiB user_data limit', () => {
    expect(Buffer.byteLength(renderCloudInit(values))).toBeLessThan(MAX_USER_DATA_BYTES / 4);
  });

  it('refuses values that would break out of the YAML', () => {
    expect(() => renderCloudInit({ ...values, hostname: 'x\nruncmd: [rm -rf /]' })).toThrow(/break the YAML/);
  });

  it('refuses a template over 32 KiB', () => {
    const big = `#cloud-config\n# ${'x'.repeat(MAX_USER_DATA_BYTES)}\nhostname: {{hostname}}\n`;
    expect(() => renderCloudInit(values, big)).toThrow(/at most 32768/);
  });

  it('refuses a template placeholder Hostflow does not provide', () => {
    expect(() => renderCloudInit(values, '#cloud-config\nhostname: {{nope}}\n')).toThrow(/\{\{nope\}\}/);
  });
});
