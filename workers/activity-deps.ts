// Real clients for the activities, from configuration: the same code talks to Hetzner and
// Cloudflare in production and to the sandbox in dev and tests (only the URLs differ).
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../activities';
import { CloudflareDns } from '../activities/cloudflare-client';
import { HetznerClient } from '../activities/hetzner-client';
import type { WorkerConfig } from '../config/worker-config';
import type { Database } from '../schema/db';

export function buildActivityDeps(config: WorkerConfig, db: Database, options: { pollIntervalMs?: number } = {}): ActivityDeps {
  return {
    db,
    hetzner: new HetznerClient({ token: config.hetzner.token, url: config.hetzner.url }),
    dns: new CloudflareDns({ token: config.cloudflare.token, zoneId: config.cloudflare.zoneId, url: config.cloudflare.url }),
    // Pooled: a message reuses an open connection instead of paying the connect and the server's
    // greeting every time (~100 ms each against smtp-server, whose greeting waits out early talkers;
    // a TLS handshake on a real relay). `?pool=false` in SMTP_URL turns it off. Close it at shutdown.
    mail: { transport: nodemailer.createTransport({ url: config.smtp.url, pool: true }), from: config.smtp.from },
    billing: { url: config.billingWebhookUrl, webhookSecret: config.billingWebhookSecret },
    apiPublicUrl: config.apiPublicUrl,
    callbackSecret: config.callbackSecret,
    domain: config.domain,
    catalog: config.catalog,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    fleet: config.fleet.settings,
    alerts: config.fleet.alerts,
  };
}
