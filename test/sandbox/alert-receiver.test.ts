// The Slack-compatible alert receiver: what it keeps, how it refuses, and its control routes.

import { type Sandbox, sandboxAlertWebhookUrl } from '../../sandbox';
import { raw, testSandbox } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

async function post(body: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(sandbox.alertWebhookUrl, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

const alertsUrl = () => `${sandbox.httpUrl}/__sandbox/alerts`;

describe('alert receiver', () => {
  test('keeps text and structured fields, answers "ok" as Slack does, and counts the attempt', async () => {
    const alert = {
      text: ':rotating_light: web-1 is unhealthy',
      attachments: [{ color: 'danger', fields: [{ title: 'instance', value: 'inst-1', short: true }] }],
      hostflow: { key: 'health:1:unhealthy', kind: 'unhealthy', severity: 'critical', details: { failures: 3 } },
    };
    expect(await post(JSON.stringify(alert))).toEqual({ status: 200, text: 'ok' });
    const listed = await raw(alertsUrl(), 'GET', undefined, null);
    expect(listed.body).toEqual([{ body: alert, text: alert.text, received_at: expect.any(String) }]);
    expect(sandbox.state().alerts).toEqual(listed.body);
    expect(sandbox.state().requests['POST /hooks/slack']).toBe(1);
  });

  test('refuses a body that is not a JSON object (invalid_payload) and one without text (no_text), keeping neither', async () => {
    expect(await post('{not json')).toEqual({ status: 400, text: 'invalid_payload' });
    expect(await post('[1]')).toEqual({ status: 400, text: 'invalid_payload' });
    expect(await post(JSON.stringify({ username: 'hostflow' }))).toEqual({ status: 400, text: 'no_text' });
    // Slack reads the JSON body whatever the content type says.
    expect(await post(JSON.stringify({ text: 'plain' }), 'text/plain')).toEqual({ status: 200, text: 'ok' });
    expect(sandbox.state().alerts.map((a) => a.text)).toEqual(['plain']);
  });

  test('refuses the next N on demand, then accepts again; DELETE and reset() clear the list', async () => {
    expect((await raw(`${alertsUrl()}/refuse`, 'POST', { count: 2, status: 503 }, null)).status).toBe(200);
    expect((await post(JSON.stringify({ text: 'one' }))).status).toBe(503);
    expect((await post(JSON.stringify({ text: 'two' }))).status).toBe(503);
    expect((await post(JSON.stringify({ text: 'three' }))).status).toBe(200);
    expect(sandbox.state().alerts.map((a) => a.text)).toEqual(['three']);

    expect((await raw(alertsUrl(), 'DELETE', undefined, null)).body).toEqual([]);
    await post(JSON.stringify({ text: 'four' }));
    sandbox.reset();
    expect(sandbox.state().alerts).toEqual([]);
    expect((await raw(`${alertsUrl()}/refuse`, 'POST', { count: -1 }, null)).status).toBe(400);
    expect((await raw(`${alertsUrl()}/refuse`, 'POST', { count: 1, status: 200 }, null)).status).toBe(400);
  });

  test('the URL helper points at the receiver', () => {
    expect(sandboxAlertWebhookUrl('http://127.0.0.1:4010/')).toBe('http://127.0.0.1:4010/hooks/slack');
    expect(sandbox.alertWebhookUrl).toBe(sandboxAlertWebhookUrl(sandbox.httpUrl));
  });
});
