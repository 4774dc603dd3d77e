// `npm run sandbox`: the sandbox on its dev ports, until SIGINT/SIGTERM.

import { startSandbox } from './index';

function intEnv(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name} must be a non-negative integer, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const logger = {
  info: (...a: unknown[]) => console.log('[sandbox]', ...a.map(fmt)),
  warn: (...a: unknown[]) => console.warn('[sandbox] WARN', ...a.map(fmt)),
};

function fmt(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    host: process.env['SANDBOX_HOST'] ?? '127.0.0.1',
    httpPort: intEnv('SANDBOX_HTTP_PORT', 4010),
    smtpPort: intEnv('SANDBOX_SMTP_PORT', 2525),
    bootDelayMs: intEnv('SANDBOX_BOOT_DELAY_MS', 1000),
    actionDurationMs: intEnv('SANDBOX_ACTION_DURATION_MS', 500),
    logger,
  });
  console.log(`Hostflow sandbox (dev and tests only)
  Hetzner Cloud API   ${sandbox.hetznerUrl}        token: any non-empty, e.g. sandbox-hetzner-token
  Cloudflare API      ${sandbox.cloudflareUrl}  token: any non-empty, e.g. sandbox-cloudflare-token
                      zone ${sandbox.cloudflareZoneName} = ${sandbox.cloudflareZoneId}
  SMTP                smtp://${sandbox.smtpHost}:${sandbox.smtpPort}
  State               ${sandbox.httpUrl}/__sandbox/state
  Mail                ${sandbox.httpUrl}/__sandbox/mail
  Gateway health      HEALTH_URL_TEMPLATE=${sandbox.healthUrlTemplate}
  Alert webhook       ALERT_WEBHOOK_URL=${sandbox.alertWebhookUrl}  (received: ${sandbox.httpUrl}/__sandbox/alerts)`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[sandbox] ${signal}: shutting down`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('[sandbox] failed to start:', err);
  process.exit(1);
});
