// With payload encryption on, an operator loses nothing in the Web UI: it sends the encrypted
// payloads to Hostflow's codec server from the operator's browser (CORS) and shows them decoded.
// The suite's dev server has no codec endpoint, so this file starts its own, pointed at a codec
// server of its own (the way `npm start` wires them). Headless Chromium as in web-ui.test.ts.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createCodecServerApp } from '../../codec-server/app';
import { EncryptionCodec } from '../../config/encryption-codec';
import { startTemporalDevServer, type DevServer } from '../../scripts/lib/temporal-dev-server';
import { TEST_KEY_A } from '../support/encrypted-histories';
import { createInstance, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const KEY_ID = 'ui-key';

let devServer: DevServer;
let codecServer: Server;
let stack: Stack;
let browser: Browser;
let page: Page;
const corsOrigins: string[] = [];
const decoded: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const codec = new EncryptionCodec({ keys: new Map([[KEY_ID, Buffer.from(TEST_KEY_A, 'base64')]]), activeKeyId: KEY_ID });
  // Counts what the UI asks for, so the test knows the page's text came through the codec server.
  const counting = { encode: (p: Payload[]) => codec.encode(p), decode: async (p: Payload[]) => { decoded.push(...(await codec.decode(p)).map((x) => Buffer.from(x.data ?? []).toString())); return codec.decode(p); } };
  const app = createCodecServerApp({ codec: counting, corsOrigins, logger: pino({ level: 'silent' }) });
  codecServer = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  const codecUrl = `http://127.0.0.1:${(codecServer.address() as AddressInfo).port}`;
  devServer = await startTemporalDevServer({ ports: 'random', dbFile: null, uiCodecEndpoint: codecUrl });
  // The dev server picks the UI's port: allowed once known.
  corsOrigins.push(devServer.uiUrl);
  [stack, browser] = await Promise.all([
    startStack({ temporal: { address: devServer.address, namespace: devServer.namespace }, payloadEncryption: { keys: `${KEY_ID}:${TEST_KEY_A}`, activeKey: KEY_ID } }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    }),
  ]);
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await devServer?.stop();
  codecServer?.closeAllConnections();
  await new Promise((resolve) => codecServer?.close(resolve));
});

/** The text of the page and of its frames. */
async function pageText(): Promise<string> {
  const texts = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '')));
  return texts.join('\n');
}

describe('the Web UI with payload encryption on', () => {
  it('shows an instance workflow\'s input decoded through the codec server', async () => {
    const created = await createInstance(stack, { hostname: 'ui-codec-host', plan: 'professional' });
    await untilStatus(stack, created.id, 'running');
    const handle = stack.client.workflow.getHandle(`instance-${created.id}`);
    // Stored encrypted: without the codec the server holds no readable hostname.
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain('ui-codec-host');

    await page.goto(`${devServer.uiUrl}/namespaces/${devServer.namespace}/workflows/${encodeURIComponent(handle.workflowId)}`);
    try {
      const text = await eventually(async () => {
        const t = await pageText();
        return t.includes('ui-codec-host') && t.includes(created.id) ? t : undefined;
      }, { what: 'the decoded input on the workflow page', timeoutMs: 30_000 });
      expect(text).not.toMatch(/binary\/encrypted/);
    } finally {
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-codec-input.png'), fullPage: true });
    }
    // The browser asked the codec server (CORS allowed it), and got the entity's input back.
    expect(decoded.some((d) => d.includes('"subdomain":"ui-codec-host"'))).toBe(true);
  });
});
