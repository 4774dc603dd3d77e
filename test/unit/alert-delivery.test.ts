// deliverAlert against a local webhook receiver and the sandbox SMTP: what a receiver gets, which
// answers are retried and which are refused for good, and that a retry never repeats a delivery.
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { createAlertActivities, NO_ALERT_DESTINATION, type AlertDeps } from '../../activities/alerts';
import type { AlertSettings } from '../../activities/deps';
import type { Alert } from '../../workflows/fleet-types';
import { startSandbox, type Sandbox } from '../../sandbox';

const ALERT: Alert = {
  key: 'health:2:unhealthy:inst-42',
  kind: 'unhealthy',
  severity: 'critical',
  title: 'acme-42 is unhealthy:\n3 checks failed in a row',
  instanceId: 'inst-42',
  subdomain: 'acme-42',
  details: { consecutive_failures: 3, last_error: 'timed out after 5 s', server_id: 4711 },
  at: '2026-11-29T20:00:00.000Z',
};
const OPERATORS = 'ops@hostflow.test';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

let sandbox: Sandbox;
let transport: Transporter;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** What the receiver answers next; 'hang' never answers. */
let answer: { status: number; headers?: Record<string, string>; body?: string } | 'hang' = { status: 200 };

beforeAll(async () => {
  sandbox = await startSandbox({ httpPort: 0, smtpPort: 0 });
  transport = nodemailer.createTransport({ host: sandbox.smtpHost, port: sandbox.smtpPort, secure: false });
  const app = express().use(express.json()).post('/services/T000/B000/secret-token', (req, res) => {
    received.push({ headers: req.headers, body: req.body as Record<string, unknown> });
    if (answer === 'hang') return;
    res.status(answer.status).set(answer.headers ?? {}).send(answer.body ?? '');
  });
  receiver = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T000/B000/secret-token`;
});

afterAll(async () => {
  transport.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await sandbox.close();
});

beforeEach(() => {
  received.length = 0;
  answer = { status: 200 };
  sandbox.reset();
});

function deliver(alerts: AlertSettings, options: { heartbeatDetails?: unknown; logs?: LogEntry[]; mail?: AlertDeps['mail'] } = {}): Promise<string> {
  const env = new MockActivityEnvironment(
    { heartbeatDetails: options.heartbeatDetails },
    { logger: new DefaultLogger('WARN', (entry) => options.logs?.push(entry)) },
  );
  const { deliverAlert } = createAlertActivities({ mail: options.mail ?? { transport, from: 'Hostflow <noreply@hostflow.test>' }, alerts });
  return env.run(deliverAlert, ALERT);
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('deliverAlert', () => {
  it('posts a Slack-compatible body with the alert key in Idempotency-Key', async () => {
    const result = await deliver({ webhookUrl: receiverUrl, email: undefined });

    expect(result).toBe('posted to ALERT_WEBHOOK_URL');
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['idempotency-key']).toBe(ALERT.key);
    expect(received[0]!.body).toEqual({
      text: '[CRITICAL] acme-42 is unhealthy: 3 checks failed in a row (acme-42)',
      key: ALERT.key,
      kind: 'unhealthy',
      severity: 'critical',
      instance_id: 'inst-42',
      subdomain: 'acme-42',
      details: ALERT.details,
      at: ALERT.at,
    });
    expect(sandbox.state().messages).toEqual([]);
  });

  it('e-mails the operators through the SMTP transport', async () => {
    const result = await deliver({ webhookUrl: undefined, email: OPERATORS });

    expect(result).toBe('e-mailed to ALERT_EMAIL');
    const [message, ...others] = sandbox.state().messages;
    expect(others).toEqual([]);
    expect(message).toMatchObject({ to: [OPERATORS], subject: 'Hostflow [CRITICAL] acme-42 is unhealthy: 3 checks failed in a row (acme-42)' });
    expect(message!.headers['x-hostflow-alert-key']).toBe(ALERT.key);
    expect(message!.text).toContain('last_error: timed out after 5 s');
    expect(message!.text).toContain('instance: inst-42');
    expect(received).toEqual([]);
  });

  it('sends to both destinations when both are set', async () => {
    const result = await deliver({ webhookUrl: receiverUrl, email: OPERATORS });

    expect(result).toBe('posted to ALERT_WEBHOOK_URL, e-mailed to ALERT_EMAIL');
    expect(received).toHaveLength(1);
    expect(sandbox.state().messages).toHaveLength(1);
  });

  it('with no destination, logs the alert and says so', async () => {
    const logs: LogEntry[] = [];
    const result = await deliver({ webhookUrl: undefined, email: undefined }, { logs });

    expect(result).toBe(NO_ALERT_DESTINATION);
    expect(logs).toEqual([expect.objectContaining({ level: 'WARN', meta: expect.objectContaining({ alertKey: ALERT.key }) })]);
  });

  it.each([503, 500, 429])('retries a webhook answering %i', async (status) => {
    answer = { status, body: 'try later' };
    const f = await failure(deliver({ webhookUrl: receiverUrl, email: undefined }));

    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(`AlertWebhook.http_${status}`);
    expect(f.message).toContain(`HTTP ${status} try later`);
  });

  it('waits as long as a 429 asks', async () => {
    answer = { status: 429, headers: { 'Retry-After': '30' } };
    const f = await failure(deliver({ webhookUrl: receiverUrl, email: undefined }));

    expect(f.nextRetryDelay).toBe(30_000);
  });

  it('gives up on other 4xx, saying the URL refused it and never quoting its secret path', async () => {
    answer = { status: 404, body: 'no_service' };
    const f = await failure(deliver({ webhookUrl: receiverUrl, email: undefined }));

    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/ALERT_WEBHOOK_URL \(http:\/\/127\.0\.0\.1:\d+\/…\) refused alert health:2:unhealthy:inst-42: HTTP 404 no_service/);
    expect(f.message).not.toContain('secret-token');
  });

  it('retries when nothing listens', async () => {
    const f = await failure(deliver({ webhookUrl: 'http://127.0.0.1:1/hook', email: undefined }));

    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('AlertWebhook.network_error');
  });

  it('gives up on a receiver that never answers within its time limit, and retries', async () => {
    answer = 'hang';
    const f = await failure(deliver({ webhookUrl: receiverUrl, email: undefined, timeoutMs: 300 }));

    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('no answer within 0.3 s');
  });

  it('retries an unreachable SMTP server without quoting the operators\' address', async () => {
    const unreachable = nodemailer.createTransport({ host: '127.0.0.1', port: 1, secure: false });
    const f = await failure(deliver({ webhookUrl: undefined, email: OPERATORS }, { mail: { transport: unreachable, from: 'Hostflow <noreply@hostflow.test>' } }));

    expect(f.nonRetryable).toBe(false);
    expect(f.message).not.toContain(OPERATORS);
  });

  it('on a retry, skips the destination an earlier attempt delivered to', async () => {
    const result = await deliver({ webhookUrl: receiverUrl, email: OPERATORS }, { heartbeatDetails: { delivered: ['webhook'], refused: [] } });

    expect(received).toEqual([]);
    expect(sandbox.state().messages).toHaveLength(1);
    expect(result).toBe('posted to ALERT_WEBHOOK_URL, e-mailed to ALERT_EMAIL');
  });

  it('delivers the e-mail even when the webhook refuses, then fails for good', async () => {
    answer = { status: 400, body: 'invalid_payload' };
    const f = await failure(deliver({ webhookUrl: receiverUrl, email: OPERATORS }));

    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('(delivered: email)');
    expect(sandbox.state().messages).toHaveLength(1);
  });
});
