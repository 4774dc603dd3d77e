// Shared test helpers: a sandbox on random ports, the real clients pointed at it, polling.

import { generateKeyPairSync } from 'node:crypto';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox';

type Loose = any;
/** The parts of hcloud-js 1.4.1 the tests drive, typed loosely on purpose (it ships no types). */
export interface HcloudClient {
  axios: Loose;
  ratelimit: { limit: number; remaining: number; reset: Date } | null;
  servers: {
    build(name: string): Loose;
    get(id: number): Promise<Loose>;
    list(params?: Record<string, unknown>): Promise<Loose>;
    delete(id: number): Promise<Loose>;
    actions: Loose;
  };
  actions: { get(id: number): Promise<Loose>; list(params?: Record<string, unknown>): Promise<Loose> };
  sshKeys: {
    create(name: string, publicKey: string): Promise<Loose>;
    list(params?: Record<string, unknown>): Promise<Loose>;
    get(id: number): Promise<Loose>;
    delete(id: number): Promise<void>;
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('hcloud-js') as { Client: new (o: { token: string; baseURL: string; timeout?: number }) => HcloudClient };

export const HETZNER_TOKEN = 'sandbox-hetzner-token';
export const CLOUDFLARE_TOKEN = 'sandbox-cloudflare-token';

export function testSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ httpPort: 0, smtpPort: 0, actionDurationMs: 20, bootDelayMs: 10, shutdownDelayMs: 20, ...opts });
}

export function hcloud(sandbox: Sandbox, token = HETZNER_TOKEN): HcloudClient {
  return new Client({ token, baseURL: sandbox.hetznerUrl });
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Poll an action the way the activities do, until it is no longer running. */
export async function waitForAction(client: HcloudClient, id: number): Promise<{ status: string; error?: unknown }> {
  return waitFor(async () => {
    const a = await client.actions.get(id);
    return a.status === 'running' ? undefined : a;
  }, `action ${id}`);
}

/** Hostflow-style #cloud-config user data with a callback file. */
export function userDataFor(callbackUrl: string, token: string, padding = ''): string {
  return [
    '#cloud-config',
    'hostname: web-1',
    'write_files:',
    '  - path: /etc/hostflow/callback.env',
    '    permissions: "0600"',
    '    content: |',
    '      HOSTFLOW_INSTANCE_ID=inst-1',
    `      HOSTFLOW_CALLBACK_URL=${callbackUrl}`,
    `      HOSTFLOW_CALLBACK_TOKEN=${token}`,
    `# ${padding}`,
    '',
  ].join('\n');
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Loose;
}

/** A plain HTTP call, for what the clients hide: statuses and headers. */
export async function raw(url: string, method = 'GET', body?: unknown, token: string | null = HETZNER_TOKEN): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Public key lines made with ssh-keygen, and the MD5 fingerprints ssh-keygen -l -E md5 printed for them. */
export const FIXTURE_KEYS = {
  ed25519: {
    line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDaDrqQ7tz5HK2URRMfSGqk4fdotO29GsshgDE6+3yDL fixture@hostflow',
    md5: 'b3:74:ec:e5:19:31:d3:f6:3c:d5:e7:59:9f:cf:0d:4f',
  },
  rsa: {
    line:
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/CYkHROnLQHcwrdD+47TtvkASytNJEMJOXQrftFW6Q1XU7sYWOAM5oJZCkfVBy4YFBfKzFJ3d+APE+Y9RwNMjuv0Dgcp94Vq47UTn41+HItkkGojGOvlamj/gy3HdKDzKK3c5VgPHXWixOyd0sWu1OTSnxPa7pecVfCuT2kbFsiaYwVFdWOlhUPZOWSxHNpp/RglDDSp/SIM58xSLyp8+o6kg6S7qw6/y6Qfe7LnK4rRSOfAOrI3teCAlT9fq4AzvTmew/t/aCmpgPXrUeAKvvSKNNysBu8dRh8WYTYfG4ReSWn7ZR7VTh9iKr0isr0c9vIjjRdeWC4/VnBQPwcOn rsa@hostflow',
    md5: '5e:dd:a1:28:2e:85:4f:c6:97:33:a5:a1:3d:52:38:92',
  },
};

/** A fresh OpenSSH ed25519 public key line. */
export function ed25519KeyLine(comment = 'test@hostflow'): string {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.from(jwk.x ?? '', 'base64url'))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
