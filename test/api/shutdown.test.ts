import { createApp } from '../../api/app';
import { serve } from '../../api/server';
import { createBody, KEY, signedPostHeaders, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});

describe('graceful shutdown', () => {
  it('stops accepting, finishes the request in flight, then closes Temporal and Postgres', async () => {
    const events: string[] = [];
    const running = await serve(createApp(h.deps), {
      port: 0,
      host: '127.0.0.1',
      logger: h.deps.logger,
      closers: [
        { name: 'temporal', close: async () => void events.push('temporal closed') },
        { name: 'postgres', close: async () => void events.push('postgres closed') },
      ],
    });
    const url = `http://127.0.0.1:${running.port}`;
    running.server.on('request', (_req, res) => res.once('finish', () => events.push(`sent ${res.statusCode}`)));
    h.client.delayMs = 600;

    const raw = JSON.stringify(createBody());
    const inFlight = fetch(`${url}/api/instances`, {
      method: 'POST',
      headers: { ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' },
      body: raw,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const stopped = running.shutdown('SIGTERM').then(() => events.push('shut down'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();

    const res = await inFlight;
    expect(res.status).toBe(202);
    expect(res.headers.get('connection')).toBe('close');
    await stopped;
    expect(events).toEqual(['sent 202', 'temporal closed', 'postgres closed', 'shut down']);
    expect(running.server.listening).toBe(false);
    h.client.delayMs = 0;
  });

  it('cuts off requests still running at the drain deadline', async () => {
    const running = await serve(createApp(h.deps), { port: 0, host: '127.0.0.1', logger: h.deps.logger, drainTimeoutMs: 100 });
    h.client.delayMs = 2_000;
    const raw = JSON.stringify(createBody());
    const inFlight = fetch(`http://127.0.0.1:${running.port}/api/instances`, {
      method: 'POST',
      headers: { ...signedPostHeaders(KEY, raw), 'Content-Type': 'application/json' },
      body: raw,
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await running.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await inFlight).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    h.client.delayMs = 0;
  });
});
