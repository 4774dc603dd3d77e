// The VM simulator reads the callback from cloud-init user data and calls `ready` on loopback.

import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox, VmMode } from '../../sandbox';
import { readCallbackConfig, isLoopbackUrl } from '../../sandbox';
import { type HcloudClient, hcloud, testSandbox, userDataFor, waitFor, waitForAction } from './helpers';

interface Received {
  path?: string;
  token: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

let sandbox: Sandbox;
let client: HcloudClient;
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
let callbackUrl: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  client = hcloud(sandbox);
  const app = express();
  app.use(express.json());
  app.post('/v1/callbacks/:id/ready', (req, res) => {
    received.push({ token: req.get('x-callback-token'), contentType: req.get('content-type'), body: req.body });
    if (failNext > 0) {
      failNext--;
      res.status(503).json({ error: 'starting up' });
      return;
    }
    res.status(req.get('x-callback-token') === 'tok-1' ? 202 : 401).json({});
  });
  app.post('/v1/callbacks/:id/failed', (req, res) => {
    received.push({ path: req.path, token: req.get('x-callback-token'), contentType: req.get('content-type'), body: req.body });
    res.status(200).json({ acknowledged: true });
  });
  receiver = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/callbacks/inst-1/ready`;
});
afterEach(() => {
  sandbox.reset();
  received = [];
  failNext = 0;
});
afterAll(async () => {
  await sandbox.close();
  await new Promise((r) => receiver.close(r));
});

let seq = 0;
async function boot(userData: string, mode?: VmMode, failReason?: string) {
  const { server } = await client.servers.build(`vm-${++seq}`).serverType('cpx22').image('ubuntu-24.04').userData(userData).create();
  if (mode) sandbox.setVmMode(mode, server.id, failReason);
  return server as { id: number };
}

const recorded = (n: number) => waitFor(() => sandbox.state().callbacks.length >= n || undefined, `${n} recorded callbacks`);
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('VM simulator', () => {
  test('calls back once with the token and the ready body after the server is running', async () => {
    await boot(userDataFor(callbackUrl, 'tok-1'));
    await recorded(1);
    expect(received).toEqual([{ token: 'tok-1', contentType: 'application/json', body: { openclaw_version: 'sandbox-1.0.0', gateway_port: 18789 } }]);
    expect(sandbox.state().callbacks[0]).toMatchObject({ url: callbackUrl, mode: 'once', call: 1, attempt: 1, token_correct: true, status: 202, error: null });
    await settle();
    expect(received).toHaveLength(1);
  });

  test('calls back twice in mode twice', async () => {
    await boot(userDataFor(callbackUrl, 'tok-1'), 'twice');
    await recorded(2);
    expect(sandbox.state().callbacks.map((c) => [c.call, c.status])).toEqual([[1, 202], [2, 202]]);
  });

  test('sends a different token in mode wrong-token', async () => {
    await boot(userDataFor(callbackUrl, 'tok-1'), 'wrong-token');
    await recorded(1);
    expect(received[0]?.token).not.toBe('tok-1');
    expect(sandbox.state().callbacks[0]).toMatchObject({ token_correct: false, status: 401 });
  });

  test('never calls back in mode never, set globally', async () => {
    sandbox.setVmMode('never');
    const server = await boot(userDataFor(callbackUrl, 'tok-1'));
    await waitFor(async () => ((await client.servers.get(server.id)).status === 'running' ? true : undefined), 'running');
    await settle();
    expect(received).toEqual([]);
  });

  test('cloud-init runs once: no callback after a later poweroff and poweron', async () => {
    const server = await boot(userDataFor(callbackUrl, 'tok-1'));
    await waitFor(() => received.length === 1 || undefined, 'first callback');
    await waitForAction(client, (await client.servers.actions.powerOff(server.id)).id);
    await waitForAction(client, (await client.servers.actions.powerOn(server.id)).id);
    await waitForAction(client, (await client.servers.actions.reboot(server.id)).id);
    await settle();
    expect(received).toHaveLength(1);
  });

  test('retries while the API answers 5xx, then stops', async () => {
    failNext = 1;
    await boot(userDataFor(callbackUrl, 'tok-1'));
    await recorded(2);
    expect(sandbox.state().callbacks.map((c) => [c.attempt, c.status])).toEqual([[1, 503], [2, 202]]);
  });

  test('refuses callback URLs that are not on loopback, and ignores user data that is not Hostflow cloud-config', async () => {
    await boot(userDataFor('http://198.51.100.7/ready', 'tok-1'));
    await boot('#!/bin/sh\necho hi\n');
    await waitFor(() => sandbox.state().callbacks.length === 1 || undefined, 'refusal');
    await settle();
    expect(sandbox.state().callbacks[0]).toMatchObject({ status: null, error: expect.stringContaining('loopback') });
    expect(received).toEqual([]);
  });

  test('mode failed POSTs {reason} with the token to the sibling failed route, once, instead of ready', async () => {
    const server = await boot(userDataFor(callbackUrl, 'tok-1'), 'failed', 'caddy: certificate not obtained');
    await recorded(1);
    expect(received).toEqual([{ path: '/v1/callbacks/inst-1/failed', token: 'tok-1', contentType: 'application/json', body: { reason: 'caddy: certificate not obtained' } }]);
    expect(sandbox.state().callbacks[0]).toMatchObject({ kind: 'failed', url: callbackUrl.replace(/ready$/, 'failed'), mode: 'failed', status: 200 });
    expect(sandbox.state().servers.find((s) => s['id'] === server.id)).toMatchObject({ vm_mode: 'failed', vm_fail_reason: 'caddy: certificate not obtained' });
    await settle();
    expect(received).toHaveLength(1);
  });

  test('mode failed set globally over POST /__sandbox/vm reports the default reason', async () => {
    const res = await fetch(`${sandbox.httpUrl}/__sandbox/vm`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mode: 'failed' }) });
    expect(res.status).toBe(200);
    await boot(userDataFor(callbackUrl, 'tok-1'));
    await recorded(1);
    expect(received[0]?.body).toEqual({ reason: expect.stringMatching(/health check/) });
  });

  test('a rebuild runs cloud-init again: the new user data calls back again', async () => {
    const server = await boot(userDataFor(callbackUrl, 'tok-1'));
    await recorded(1);
    const rebuilt = await client.servers.actions.rebuild(server.id, 'ubuntu-24.04');
    await waitForAction(client, rebuilt.action.id);
    await recorded(2);
    expect(sandbox.state().callbacks.map((c) => [c.kind, c.status])).toEqual([['ready', 202], ['ready', 202]]);
  });

  test('reads the callback settings from the write_files entry', () => {
    expect(readCallbackConfig(userDataFor('http://127.0.0.1:2222/v1/callbacks/x/ready', 'abc'))).toEqual({
      url: 'http://127.0.0.1:2222/v1/callbacks/x/ready',
      token: 'abc',
      failedUrl: 'http://127.0.0.1:2222/v1/callbacks/x/failed',
    });
    expect(readCallbackConfig('#cloud-config\nwrite_files: [}')).toMatch(/not valid YAML/);
    expect(readCallbackConfig(null)).toBe('no user data');
    expect(['http://localhost:1/x', 'http://127.1.2.3/x', 'http://[::1]:2/x'].every(isLoopbackUrl)).toBe(true);
    expect(['http://10.0.0.1/x', 'http://example.com/x', 'file:///etc/passwd'].some(isLoopbackUrl)).toBe(false);
  });
});
