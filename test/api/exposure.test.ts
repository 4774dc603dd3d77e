// What the API shows to whoever can reach it: the docs page with headers that keep a browser
// from running anything but its own files, and no metrics on the public port.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createApiMetrics } from '../../api/metrics';
import { serveMetrics } from '../../api/metrics-server';
import { startHarness, type Harness } from './support';

let h: Harness;
let server: Server;
let base: string;
beforeAll(async () => {
  h = await startHarness();
  server = await new Promise<Server>((resolve) => {
    const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.db.stop();
});

function cspOf(headers: Headers): Map<string, string[]> {
  const csp = headers.get('content-security-policy') ?? '';
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
}

describe('/api/docs', () => {
  it('sends nosniff and a CSP that allows only its own scripts, and cannot be framed', async () => {
    const page = await fetch(`${base}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = cspOf(page.headers);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toContain("'self'");
  });

  it('still loads: every script and stylesheet the page names is served from its own origin, and no script is inline', async () => {
    const html = await (await fetch(`${base}/api/docs`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son\w+=/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      const res = await fetch(`${base}${asset}`);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /javascript/);
    }
    const init = await (await fetch(`${base}/api/docs/init.js`)).text();
    expect(init).toContain("url: '/api/openapi.json'");
    const document = await fetch(`${base}/api/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('GET /metrics', () => {
  it('is not served on the API port; it has a listener of its own', async () => {
    const metrics = createApiMetrics();
    const app = createApp({ ...h.deps, metrics });
    await request(app).get('/api/health').expect(200);
    await request(app).get('/metrics').expect(404);
    const listener = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    try {
      const text = await (await fetch(listener.url)).text();
      expect(text).toMatch(/hostflow_api_requests_total\{method="GET",route="\/api\/health",status="200"\} 1/);
      expect(text).toMatch(/hostflow_api_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
      expect((await fetch(listener.url.replace('/metrics', '/api/health'))).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});
