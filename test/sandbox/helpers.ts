// Shared test helpers: a sandbox on random ports, the real clients pointed at it, polling.

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
