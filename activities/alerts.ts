// Operator alerts: a Slack-compatible webhook (ALERT_WEBHOOK_URL) and/or an e-mail (ALERT_EMAIL).
// Each destination is tried on every attempt until it took the alert; a retry skips the ones an
// earlier attempt delivered (kept in the heartbeat), and the webhook carries the alert's key in
// Idempotency-Key so a receiver can drop a POST repeated after a lost answer.
import { ApplicationFailure, log } from '@temporalio/activity';
import { FailureType } from '../workflows/failure-types';
import type { Alert } from '../workflows/fleet-types';
import type { ActivityDeps } from './deps';
import { heartbeat, previousHeartbeat } from './keep-alive';

export type AlertDeps = Pick<ActivityDeps, 'mail' | 'alerts'>;

type Destination = 'webhook' | 'email';

/** What earlier attempts did, so a retry neither repeats a delivery nor retries a refusal. */
interface AlertProgress {
  delivered: Destination[];
  refused: { destination: Destination; message: string }[];
}

export const NO_ALERT_DESTINATION = 'no alert destination configured';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The one line a chat client shows: severity, title, subdomain. Emoji-free, whitespace folded. */
export function alertText(alert: Alert): string {
  const line = `[${alert.severity.toUpperCase()}] ${alert.title}${alert.subdomain ? ` (${alert.subdomain})` : ''}`;
  return line.replace(/\s+/g, ' ').trim();
}

/** Slack reads `text`; other receivers get the same alert as fields. */
export function alertWebhookBody(alert: Alert): Record<string, unknown> {
  return {
    text: alertText(alert),
    key: alert.key,
    kind: alert.kind,
    severity: alert.severity,
    instance_id: alert.instanceId ?? null,
    subdomain: alert.subdomain ?? null,
    details: alert.details,
    at: alert.at,
  };
}

export function createAlertActivities(deps: AlertDeps) {
  const { webhookUrl, email } = deps.alerts;
  const send: Record<Destination, (alert: Alert) => Promise<void>> = {
    webhook: (alert) => postAlert(webhookUrl!, alert, deps.alerts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    email: (alert) => mailAlert(deps.mail, email!, alert),
  };

  return {
    async deliverAlert(alert: Alert): Promise<string> {
      const configured: Destination[] = [...(webhookUrl ? ['webhook' as const] : []), ...(email ? ['email' as const] : [])];
      if (configured.length === 0) {
        log.warn('alert not delivered: set ALERT_WEBHOOK_URL and/or ALERT_EMAIL', { alertKey: alert.key, text: alertText(alert) });
        return NO_ALERT_DESTINATION;
      }
      const progress = previousHeartbeat<AlertProgress>() ?? { delivered: [], refused: [] };
      const retryable: ApplicationFailure[] = [];
      for (const destination of configured) {
        if (progress.delivered.includes(destination) || progress.refused.some((r) => r.destination === destination)) continue;
        try {
          await send[destination](alert);
          progress.delivered.push(destination);
        } catch (error) {
          const failure = asFailure(error);
          if (failure.nonRetryable) progress.refused.push({ destination, message: failure.message });
          else retryable.push(failure);
        }
        heartbeat(progress);
      }
      const delivered = progress.delivered.length > 0 ? ` (delivered: ${progress.delivered.join(', ')})` : '';
      if (retryable.length > 0) {
        throw ApplicationFailure.create({
          type: retryable[0]!.type ?? 'AlertDelivery',
          message: retryable.map((f) => f.message).join('; ') + delivered,
          nonRetryable: false,
          nextRetryDelay: retryable[0]!.nextRetryDelay ?? undefined,
        });
      }
      if (progress.refused.length > 0) {
        throw ApplicationFailure.create({
          type: FailureType.ProviderRefused,
          message: `${progress.refused.map((r) => r.message).join('; ')}${delivered}. Retrying will not help: fix the setting, then start a new alert.`,
          nonRetryable: true,
        });
      }
      return progress.delivered.map((d) => (d === 'webhook' ? 'posted to ALERT_WEBHOOK_URL' : 'e-mailed to ALERT_EMAIL')).join(', ');
    },
  };
}

/**
 * A Slack webhook URL's path is its secret, and failure messages land in workflow histories:
 * only the origin is ever named.
 */
function webhookOrigin(url: string): string {
  return `${new URL(url).origin}/…`;
}

async function postAlert(url: string, alert: Alert, timeoutMs: number): Promise<void> {
  const where = `ALERT_WEBHOOK_URL (${webhookOrigin(url)})`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': alert.key },
      body: JSON.stringify(alertWebhookBody(alert)),
      // A redirect would re-send the alert to wherever the answer points.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as { name?: string; cause?: unknown };
    // fetch's own message is only "fetch failed"; the cause says why (refused, reset, redirect).
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : String(e.cause ?? error);
    throw ApplicationFailure.create({ type: 'AlertWebhook.network_error', message: `post alert ${alert.key} to ${where}: ${reason}`, nonRetryable: false });
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const text = (await response.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
  const answer = `HTTP ${response.status}${text ? ` ${text}` : ''}`;
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw ApplicationFailure.create({
      type: `AlertWebhook.http_${response.status}`,
      message: `post alert ${alert.key} to ${where}: ${answer}`,
      nonRetryable: false,
      nextRetryDelay: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
  throw ApplicationFailure.create({ type: FailureType.ProviderRefused, message: `${where} refused alert ${alert.key}: ${answer}`, nonRetryable: true });
}

async function mailAlert(mail: AlertDeps['mail'], to: string, alert: Alert): Promise<void> {
  const lines = [
    alert.title,
    '',
    `severity: ${alert.severity}`,
    `kind: ${alert.kind}`,
    ...(alert.instanceId ? [`instance: ${alert.instanceId}`] : []),
    ...(alert.subdomain ? [`subdomain: ${alert.subdomain}`] : []),
    `at: ${alert.at}`,
    ...Object.entries(alert.details).map(([name, value]) => `${name}: ${String(value)}`),
    '',
    `alert key: ${alert.key}`,
  ];
  try {
    await mail.transport.sendMail({
      from: mail.from,
      to,
      subject: `Hostflow ${alertText(alert)}`,
      text: `${lines.join('\n')}\n`,
      // The same Message-ID on a repeat lets a mail system drop the duplicate.
      messageId: `<alert.${alert.key.replace(/[^A-Za-z0-9._-]/g, '.')}@hostflow>`,
      headers: { 'X-Hostflow-Alert-Key': alert.key },
    });
  } catch (error) {
    const e = error as { responseCode?: number; code?: string; message?: string };
    // 5xx SMTP replies are permanent (bad address, relay denied); connection problems and 4xx are worth retrying.
    const refused = e.responseCode !== undefined && e.responseCode >= 500;
    const reply = (e.message ?? 'send failed').split(to).join('<ALERT_EMAIL>');
    throw ApplicationFailure.create({
      type: refused ? FailureType.ProviderRefused : `SMTP.${e.code ?? `smtp_${e.responseCode ?? 'error'}`}`,
      message: `${refused ? 'SMTP refused' : 'e-mail'} alert ${alert.key} to ALERT_EMAIL: ${reply}`,
      nonRetryable: refused,
    });
  }
}

function asFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({ type: 'AlertDelivery', message: error instanceof Error ? error.message : String(error), nonRetryable: false });
}
