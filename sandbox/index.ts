// Starts the sandbox: one HTTP server (Hetzner under /v1, Cloudflare under /client/v4, control
// under /__sandbox) and one SMTP server, sharing a store, a scheduler and the fault rules.

import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import express from 'express';
import { ALERT_WEBHOOK_PATH, alertReceiverRouter, sandboxAlertWebhookUrl } from './alert-receiver';
import { cloudflareRouter } from './cloudflare/router';
import { controlRouter } from './control';
import { FaultEngine } from './faults';
import { ActionEngine } from './hetzner/action-engine';
import type { HetznerContext } from './hetzner/context';
import { hetznerRouter } from './hetzner/router';
import { FixedWindow, TokenBucket } from './rate-limit';
import { routeKeyOf } from './route-keys';
import { Scheduler } from './scheduler';
import { startSmtp } from './smtp';
import { buildState } from './state';
import { Store, UnknownDnsRecordError, UnknownLocationError, UnknownServerError } from './store';
import { findLocation } from './hetzner/catalog';
import type { FaultRule, HealthMode, Sandbox, SandboxLogger, SandboxOptions, SandboxState, VmMode } from './types';
import { sandboxHealthUrlTemplate, vmHealthRouter } from './vm-health';
import { VmSimulator } from './vm-simulator';

export type { CallbackAttempt, FaultConfig, FaultRule, HealthMode, ReceivedAlert, Sandbox, SandboxLogger, SandboxOptions, SandboxState, StoredMessage, VmMode } from './types';
export { HEALTH_MODES } from './types';
export { sandboxHealthUrlTemplate } from './vm-health';
export { sandboxAlertWebhookUrl } from './alert-receiver';
export { readCallbackConfig, isLoopbackUrl } from './vm-simulator';
export { routeKeyOf } from './route-keys';
export { sandboxProviderEnv } from './provider-env';

export const DEFAULT_ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
export const DEFAULT_ZONE_NAME = 'hostflow.test';

const silent: SandboxLogger = { info: () => undefined, warn: () => undefined };

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silent;
  const zone = { id: opts.cloudflareZoneId ?? DEFAULT_ZONE_ID, name: opts.cloudflareZoneName ?? DEFAULT_ZONE_NAME };
  const hetznerLimit = opts.hetznerRateLimit ?? { limit: 3600, refillPerSecond: 1 };
  const cloudflareLimit = opts.cloudflareRateLimit ?? { limit: 1200, windowSeconds: 300 };

  const store = new Store();
  const scheduler = new Scheduler();
  const faults = new FaultEngine(opts.seed ?? 1);
  const bucket = new TokenBucket(hetznerLimit.limit, hetznerLimit.refillPerSecond);
  const window = new FixedWindow(cloudflareLimit.limit, cloudflareLimit.windowSeconds);
  const vm = new VmSimulator(store, scheduler, opts.bootDelayMs ?? 1000, opts.vmMode ?? 'once', logger);
  let ignoreAcpi = opts.ignoreAcpi ?? false;
  let healthMode: HealthMode = opts.healthMode ?? 'healthy';

  const ctx: HetznerContext = {
    store,
    scheduler,
    engine: new ActionEngine(store, scheduler, opts.actionDurationMs ?? 500),
    shutdownDelayMs: opts.shutdownDelayMs ?? 300,
    ignoreAcpi: () => ignoreAcpi,
    onRunning: (server) => vm.onRunning(server),
  };

  const api = {
    state: (): SandboxState => buildState(ctx, faults),
    reset: (): void => {
      scheduler.cancelAll();
      store.clear();
      faults.set([]);
      bucket.reset();
      window.reset();
      vm.setMode(opts.vmMode ?? 'once');
      ignoreAcpi = opts.ignoreAcpi ?? false;
      healthMode = opts.healthMode ?? 'healthy';
    },
    setFaults: (rules: FaultRule[], seed?: number): void => faults.set(rules, seed),
    setVmMode: (mode: VmMode, serverId?: number, failReason?: string): void => vm.setMode(mode, serverId, failReason),
    setLocationUnavailable: (location: string, unavailable: boolean, serverTypes?: string[]): void => {
      if (!findLocation(location)) throw new UnknownLocationError(location);
      if (unavailable) store.unavailableLocations.set(location, serverTypes ?? null);
      else store.unavailableLocations.delete(location);
    },
    setIgnoreAcpi: (ignore: boolean, serverId?: number): void => {
      if (serverId === undefined) {
        ignoreAcpi = ignore;
        return;
      }
      const server = store.servers.get(serverId);
      if (!server) throw new UnknownServerError(serverId);
      server.ignoreAcpi = ignore;
    },
    setHealthMode: (mode: HealthMode, serverId?: number): void => {
      if (serverId === undefined) {
        healthMode = mode;
        return;
      }
      const server = store.servers.get(serverId);
      if (!server) throw new UnknownServerError(serverId);
      server.healthMode = mode;
      server.flapCount = 0;
    },
    backdateServer: (serverId: number, created: Date): void => {
      const server = store.servers.get(serverId);
      if (!server) throw new UnknownServerError(serverId);
      server.created = created.toISOString();
    },
    backdateDnsRecord: (recordId: string, createdOn: Date): void => {
      const record = store.dnsRecords.get(recordId);
      if (!record) throw new UnknownDnsRecordError(recordId);
      record.created_on = createdOn.toISOString();
    },
    clearAlerts: (): void => {
      store.alerts = [];
    },
    refuseAlerts: (count: number, status: number): void => {
      store.alertRefusals = { remaining: count, status };
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/__sandbox', controlRouter(api));
  // The guests' gateways are not provider routes: counted per server in state().health_checks instead.
  app.use('/vm', vmHealthRouter(store, () => healthMode));
  app.use((req, res, next) => {
    const { key, concrete } = routeKeyOf(req.method, req.path);
    res.locals['routeKeys'] = concrete ? [key, concrete] : [key];
    store.countRequest(key);
    if (concrete) store.countRequest(concrete);
    next();
  });
  app.use('/v1', hetznerRouter(ctx, bucket, faults));
  app.use('/client/v4', cloudflareRouter(store, zone, window, faults, scheduler));
  app.use(ALERT_WEBHOOK_PATH, alertReceiverRouter(store));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not a sandbox route: Hetzner is under /v1, Cloudflare under /client/v4, control under /__sandbox' });
  });

  const smtp = await startSmtp(store, host, opts.smtpPort ?? 0, logger);
  let http: HttpServer;
  try {
    http = await new Promise<HttpServer>((resolve, reject) => {
      const s = app.listen(opts.httpPort ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
  } catch (e) {
    await smtp.close();
    throw e;
  }
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const httpUrl = `http://${urlHost}:${port}`;
  logger.info({ httpUrl, smtpPort: smtp.port }, 'sandbox listening');

  let closed = false;
  return {
    httpUrl,
    hetznerUrl: `${httpUrl}/v1`,
    cloudflareUrl: `${httpUrl}/client/v4`,
    smtpHost: host,
    smtpPort: smtp.port,
    cloudflareZoneId: zone.id,
    cloudflareZoneName: zone.name,
    healthUrlTemplate: sandboxHealthUrlTemplate(httpUrl),
    alertWebhookUrl: sandboxAlertWebhookUrl(httpUrl),
    ...api,
    async close() {
      if (closed) return;
      closed = true;
      scheduler.cancelAll();
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await Promise.all([httpClosed, smtp.close()]);
    },
  };
}
