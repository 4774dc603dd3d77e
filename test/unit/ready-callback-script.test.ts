// The VPS's ready script (infra/cloud-init.yaml) keeps calling back for longer than a provision
// waits (15 min by default), so an API restart or a burst of 429s never costs a VPS its callback;
// and it stops at once on an answer that retrying cannot change. Run with a stand-in curl.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { CLOUD_INIT_TEMPLATE } from '../../activities/cloud-init';

const DEFAULT_READY_TIMEOUT_S = 15 * 60;
const SLEEP_S = 10;

function readyScript(): string {
  const doc = parse(readFileSync(CLOUD_INIT_TEMPLATE, 'utf8').replace(/\{\{gateway_port\}\}/g, '18789').replace(/\{\{(\w+)\}\}/g, 'x')) as {
    write_files: { path: string; content: string }[];
  };
  // hostflow-ready, or hostflow-callback taking `ready` as its argument.
  const file = doc.write_files.find((f) => f.path === '/usr/local/bin/hostflow-callback' || f.path === '/usr/local/bin/hostflow-ready');
  if (!file) throw new Error('no callback script in the template');
  return file.content;
}

/** Runs the script with curl answering `codes` in turn (the last one repeats) and sleep a no-op. */
function run(codes: string[], version = 'openclaw 1.2.3 (build 4) "quoted"') {
  const dir = mkdtempSync(path.join(tmpdir(), 'hostflow-ready-'));
  const env = path.join(dir, 'callback.env');
  writeFileSync(
    env,
    'HOSTFLOW_CALLBACK_URL=https://api.test/ready\nHOSTFLOW_FAILED_URL=https://api.test/failed\nHOSTFLOW_CALLBACK_TOKEN=t0k3n\nHOSTFLOW_GATEWAY_PORT=18789\n',
  );
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  writeFileSync(path.join(dir, 'codes'), codes.join('\n') + '\n');
  stub('curl', `n=$(cat "${dir}/calls" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${dir}/calls"; printf '%s\\n' "$*" > "${dir}/last-args"
code=$(sed -n "\${n}p" "${dir}/codes"); [ -n "$code" ] || code=$(tail -n 1 "${dir}/codes"); printf '%s' "$code"`);
  stub('sleep', 'exit 0');
  stub('openclaw', `echo '${version}'`);
  const script = readyScript().replace('/etc/hostflow/callback.env', env);
  const result = spawnSync('sh', ['-c', script, 'hostflow-callback', 'ready'], { env: { PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  const calls = Number(readFileSync(path.join(dir, 'calls'), 'utf8'));
  return { status: result.status, calls, lastArgs: readFileSync(path.join(dir, 'last-args'), 'utf8'), stderr: result.stderr };
}

describe('the ready callback script', () => {
  it('keeps retrying through more than the default ready timeout of 5xx, 429 and network failures', () => {
    const attempts = Math.ceil(DEFAULT_READY_TIMEOUT_S / SLEEP_S) + 10;
    const failures = Array.from({ length: attempts }, (_, i) => ['503', '429', '000'][i % 3]!);
    const result = run([...failures, '200']);
    expect(result.status).toBe(0);
    expect(result.calls).toBe(attempts + 1);
    expect(readyScript()).toMatch(new RegExp(`sleep ${SLEEP_S}\\b`));
  });

  it('stops at once when the API refuses the token', () => {
    const result = run(['401']);
    expect(result.status).toBe(1);
    expect(result.calls).toBe(1);
    expect(result.stderr).toContain('HTTP 401');
  });

  it('sends the version as one JSON-safe line of at most 64 characters', () => {
    const result = run(['200'], `v${'9'.repeat(100)}`);
    expect(result.lastArgs).toContain(`{"openclaw_version":"v${'9'.repeat(63)}","gateway_port":18789}`);
    expect(run(['200']).lastArgs).toContain('{"openclaw_version":"openclaw 1.2.3 (build 4) quoted","gateway_port":18789}');
  });
});
