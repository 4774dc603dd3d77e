// The rendered user data, checked by cloud-init itself (`cloud-init schema`, Debian's cloud-init
// package; .ci/run installs it when missing), and for what the VPS must end up with.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { renderCloudInit } from '../../activities/cloud-init';

const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends cloud-init';
const values = {
  instance_id: '6f1c2b1e-0000-4000-8000-000000000001',
  hostname: 'acme-42',
  fqdn: 'acme-42.hostflow.test',
  callback_url: 'https://api.hostflow.test/api/instances/6f1c2b1e-0000-4000-8000-000000000001/ready',
  failed_url: 'https://api.hostflow.test/api/instances/6f1c2b1e-0000-4000-8000-000000000001/failed',
  callback_token: 'a'.repeat(64),
  gateway_port: '18789',
  ssh_allowed_cidrs: '198.51.100.0/24,2001:db8::/32',
};
const dir = mkdtempSync(path.join(tmpdir(), 'hostflow-cloud-init-'));

function schemaCheck(userData: string): { ok: boolean; output: string } {
  const file = path.join(dir, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, userData);
  const run = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
  if (run.error) throw new Error(`cloud-init is not installed; install Debian's package: ${INSTALL}`);
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('cloud-init user data', () => {
  beforeAll(() => {
    try {
      execFileSync('cloud-init', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`cloud-init is not installed; install Debian's package: ${INSTALL}`);
    }
  });

  it('passes `cloud-init schema`', () => {
    const result = schemaCheck(renderCloudInit(values));
    expect(result.output).toContain('Valid cloud-config');
    expect(result.ok).toBe(true);
  });

  it('is really checked: a broken document fails `cloud-init schema`', () => {
    expect(schemaCheck('#cloud-config\npackages: 5\nruncmd: {not: a list}\n').ok).toBe(false);
  });

  it('installs Caddy for the instance name, UFW with the firewall rules, and the gateway as a unit that restarts', () => {
    const doc = parse(renderCloudInit(values)) as { packages: string[]; write_files: { path: string; content: string }[] };
    const file = (p: string) => doc.write_files.find((f) => f.path === p)!.content;
    expect(doc.packages).toEqual(expect.arrayContaining(['caddy', 'ufw']));
    expect(file('/etc/caddy/Caddyfile')).toContain(`${values.fqdn} {\n  encode gzip\n  reverse_proxy 127.0.0.1:18789`);
    expect(file('/etc/systemd/system/openclaw-gateway.service')).toMatch(/Restart=always/);
    expect(file('/usr/local/bin/hostflow-gateway')).toContain('--bind loopback --port 18789');
    expect(file('/usr/local/bin/hostflow-firewall')).toMatch(/ufw default deny incoming[\s\S]*port 22[\s\S]*ufw allow 80\/tcp\n\s*ufw allow 443\/tcp/);
    expect(file('/etc/hostflow/callback.env')).toContain(`HOSTFLOW_SSH_ALLOWED_CIDRS=${values.ssh_allowed_cidrs}`);
    expect(file('/etc/hostflow/callback.env')).toContain(`HOSTFLOW_FAILED_URL=${values.failed_url}`);
  });

  it('reports ready only after the health check, failed otherwise, and ignores no installer failure', () => {
    const install = (parse(renderCloudInit(values)) as { write_files: { path: string; content: string }[] }).write_files.find((f) => f.path === '/usr/local/bin/hostflow-install')!.content;
    expect(install).not.toContain('|| true');
    expect(install).toMatch(/until code=.*127\.0\.0\.1[\s\S]*-lt 60[\s\S]*fail "gateway did not answer its health check[\s\S]*exec \/usr\/local\/bin\/hostflow-callback ready/);
    expect(install).toContain('|| fail "gateway installer');
  });
});
