// The image's build, reproduced: only what infra/Dockerfile's build stage COPYs, then `npm run
// build`, then only dist/ kept (as the runtime stage keeps it) — and the compiled worker's code
// that reads files at run time still finds them. The compiled worker once failed every provision
// with ENOENT on dist/infra/cloud-init.yaml, which no tsx-run test could see (bench/recovery.ts's
// production start found it).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

/** The `COPY <src> <dest>` lines of the Dockerfile's first (build) stage, without `--from`. */
function buildStageCopies(): { src: string; dest: string }[] {
  const text = readFileSync(path.join(ROOT, 'infra', 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  return [...stages[0]!.matchAll(/^COPY (?!--)(.+)$/gm)].flatMap((m) => {
    const parts = m[1]!.trim().split(/\s+/);
    const dest = parts.pop()!;
    return parts.map((src) => ({ src, dest: parts.length > 1 ? path.join(dest, src) : dest }));
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hostflow-image-build-'));
  const copies = buildStageCopies();
  for (const { src, dest } of copies) cpSync(path.join(ROOT, src), path.join(dir, dest), { recursive: true });
  // `npm ci` in the image; here the checkout's own install.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
  // The runtime stage keeps dist/, node_modules and package.json only.
  for (const { dest } of copies) if (!['package.json', 'package-lock.json'].includes(dest)) rmSync(path.join(dir, dest), { recursive: true, force: true });
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('holds the compiled entry points, the migrations and the pre-built workflow bundle', () => {
  for (const file of ['api/main.js', 'workers/main.js', 'workflow-bundle.js', 'schema/migrations']) expect(existsSync(path.join(dir, 'dist', file))).toBe(true);
});

it("renders a VPS's cloud-init from the compiled worker code, with the template inside dist/", () => {
  const script = `
    const { renderCloudInit } = require(${JSON.stringify(path.join(dir, 'dist', 'activities', 'cloud-init.js'))});
    process.stdout.write(renderCloudInit({
      instance_id: '6f1c2b1e-0000-4000-8000-000000000001', hostname: 'acme-42', fqdn: 'acme-42.hostflow.test',
      callback_url: 'https://api.hostflow.test/ready', failed_url: 'https://api.hostflow.test/failed',
      callback_token: 'a'.repeat(64), gateway_port: '18789', ssh_allowed_cidrs: '0.0.0.0/0',
    }));`;
  // From another folder, so nothing resolves against the checkout.
  const rendered = execFileSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8' });
  expect(rendered.startsWith('#cloud-config')).toBe(true);
  const doc = parse(rendered) as { write_files?: { path: string }[] };
  expect(doc.write_files?.some((f) => f.path === '/usr/local/bin/hostflow-install')).toBe(true);
});
