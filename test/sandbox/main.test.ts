// `npm run sandbox` (tsx sandbox/main.ts) starts on the ports it is given and stops on SIGTERM.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('runs stand-alone, prints where it listens, answers, and exits 0 on SIGTERM', async () => {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['sandbox/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, SANDBOX_HTTP_PORT: '0', SANDBOX_SMTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const stateUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = out.match(/State\s+(http:\/\/\S+)/);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    expect(out).toMatch(/Hetzner Cloud API\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(out).toMatch(/SMTP\s+smtp:\/\/127\.0\.0\.1:\d+/);
    const res = await fetch(stateUrl);
    expect(await res.json()).toMatchObject({ servers: [], dns_records: [] });
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 30_000);
