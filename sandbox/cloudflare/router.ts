// The fake Cloudflare API mounted at /client/v4: one zone, its DNS records.

import express, { Router } from 'express';
import type { ErrorRequestHandler, Response } from 'express';
import type { FaultEngine } from '../faults';
import { type ProviderFlavor, providerGate } from '../gate';
import type { FixedWindow } from '../rate-limit';
import type { Scheduler } from '../scheduler';
import type { Store } from '../store';
import { type ZoneInfo, dnsRecordsRouter } from './dns-records';
import { CloudflareError, cfError, sendCfError, sendOk } from './envelope';

const RATE_LIMITED = cfError(429, 971, 'Please wait and consider throttling your request speed');

function cloudflareFlavor(window: FixedWindow): ProviderFlavor {
  return {
    limit(res) {
      const s = window.take();
      if (!s.allowed) {
        res.set('retry-after', String(s.retryAfterSec));
        sendCfError(res, RATE_LIMITED);
      }
      return s.allowed;
    },
    storm(res) {
      res.set('retry-after', '1');
      sendCfError(res, RATE_LIMITED);
    },
    unauthorized(res) {
      sendCfError(res, cfError(401, 10000, 'Authentication error'));
    },
    error(res, status, code, message) {
      const n = typeof code === 'number' ? code : code !== undefined && /^\d+$/.test(code) ? Number(code) : 1000;
      sendCfError(res, cfError(status, n, message));
    },
  };
}

function zoneJson(zone: ZoneInfo) {
  return {
    id: zone.id,
    name: zone.name,
    status: 'active',
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: '2024-01-01T00:00:00Z',
    modified_on: '2024-01-01T00:00:00Z',
    activated_on: '2024-01-01T00:00:00Z',
    meta: {},
    owner: { id: null, type: 'user', email: null },
    account: { id: '01a7362d577a6c3019a474fd6f485823', name: 'Hostflow sandbox' },
    permissions: [],
    plan: { id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee', name: 'Free Website', price: 0, currency: 'USD', frequency: '', is_subscribed: false, can_subscribe: false, legacy_id: 'free', legacy_discount: false, externally_managed: false },
  };
}

function unknownZone(path: string): CloudflareError {
  return new CloudflareError(400, [
    { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
    { code: 7000, message: 'No route for that URI' },
  ]);
}

const onError: ErrorRequestHandler = (err: unknown, _req, res: Response, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof CloudflareError) return sendCfError(res, err);
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') return sendCfError(res, cfError(400, 9207, 'Request body is invalid.'));
  sendCfError(res, cfError(500, 1000, `sandbox error: ${String(err)}`));
};

export function cloudflareRouter(store: Store, zone: ZoneInfo, window: FixedWindow, faults: FaultEngine, scheduler: Scheduler): Router {
  const r = Router();
  r.use(providerGate({ flavor: cloudflareFlavor(window), faults, scheduler }));
  r.use(express.json({ limit: '1mb' }));

  r.get('/zones', (req, res) => {
    const name = req.query['name'];
    const zones = name === undefined || name === zone.name ? [zoneJson(zone)] : [];
    sendOk(res, zones, { page: 1, per_page: 20, count: zones.length, total_count: zones.length, total_pages: 1 });
  });
  r.use('/zones/:zoneId', (req, _res, next) => {
    if (req.params['zoneId'] !== zone.id) throw unknownZone(req.originalUrl.split('?')[0] ?? '');
    next();
  });
  r.get('/zones/:zoneId', (_req, res) => sendOk(res, zoneJson(zone)));
  r.use('/zones/:zoneId/dns_records', dnsRecordsRouter(store, zone));
  r.use((req) => {
    throw unknownZone(req.originalUrl.split('?')[0] ?? '');
  });
  r.use(onError);
  return r;
}
