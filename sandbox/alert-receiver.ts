// A Slack-compatible incoming webhook (POST /hooks/slack) that keeps what Hostflow's operator
// alerts send, so a test can read them back from /__sandbox/alerts. Answers as Slack does:
// 200 "ok" as text, 400 "invalid_payload" for a body that is not a JSON object, 400 "no_text"
// when there is neither `text` nor `blocks`/`attachments`.

import express, { Router } from 'express';
import type { ErrorRequestHandler } from 'express';
import type { Store } from './store';

export const ALERT_WEBHOOK_PATH = '/hooks/slack';

/** ALERT_WEBHOOK_URL for a sandbox at `sandboxBaseUrl` (its httpUrl, e.g. http://127.0.0.1:4010). */
export function sandboxAlertWebhookUrl(sandboxBaseUrl: string): string {
  return `${sandboxBaseUrl.replace(/\/+$/, '')}${ALERT_WEBHOOK_PATH}`;
}

export function alertReceiverRouter(store: Store): Router {
  const r = Router();
  // Slack accepts the JSON body with any content type; so does the sandbox.
  r.use(express.json({ limit: '1mb', type: () => true }));

  r.post('/', (req, res) => {
    // A refusal on demand (POST /__sandbox/alerts/refuse): nothing is recorded, as when Slack is down.
    if (store.alertRefusals.remaining > 0) {
      store.alertRefusals.remaining--;
      res.status(store.alertRefusals.status).type('text').send('service_unavailable');
      return;
    }
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      res.status(400).type('text').send('invalid_payload');
      return;
    }
    const fields = body as Record<string, unknown>;
    const text = typeof fields['text'] === 'string' ? fields['text'] : '';
    if (text === '' && !Array.isArray(fields['blocks']) && !Array.isArray(fields['attachments'])) {
      res.status(400).type('text').send('no_text');
      return;
    }
    store.alerts.push({ body: fields, text, received_at: new Date().toISOString() });
    res.type('text').send('ok');
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const parseFailed = (err as { type?: string }).type === 'entity.parse.failed';
    res.status(parseFailed ? 400 : 500).type('text').send(parseFailed ? 'invalid_payload' : 'server_error');
  };
  r.use(onError);
  return r;
}
