// /__sandbox/*: inspection and control for tests and for a person in dev. Never rate limited,
// never faulted, never counted.

import express, { Router } from 'express';
import type { ErrorRequestHandler } from 'express';
import { FaultRuleError } from './faults';
import { UnknownDnsRecordError, UnknownLocationError, UnknownServerError } from './store';
import { type FaultRule, HEALTH_MODES, type HealthMode, type SandboxState, type VmMode } from './types';

export interface ControlApi {
  state(): SandboxState;
  reset(): void;
  setFaults(rules: FaultRule[], seed?: number): void;
  setVmMode(mode: VmMode, serverId?: number, failReason?: string): void;
  setLocationUnavailable(location: string, unavailable: boolean, serverTypes?: string[]): void;
  setIgnoreAcpi(ignore: boolean, serverId?: number): void;
  setHealthMode(mode: HealthMode, serverId?: number): void;
  backdateServer(serverId: number, created: Date): void;
  backdateDnsRecord(recordId: string, createdOn: Date): void;
  clearAlerts(): void;
  refuseAlerts(count: number, status: number): void;
}

const MODES: VmMode[] = ['once', 'twice', 'wrong-token', 'never', 'failed'];

class BadRequest extends Error {}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function isoTime(value: unknown, field: string): Date {
  const time = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(time.getTime())) throw new BadRequest(`${field} must be an ISO 8601 time`);
  return time;
}

export function controlRouter(api: ControlApi): Router {
  const r = Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/state', (_req, res) => {
    res.json(api.state());
  });

  r.post('/reset', (_req, res) => {
    api.reset();
    res.json({ ok: true });
  });

  r.get('/faults', (_req, res) => {
    res.json(api.state().faults);
  });

  // Body: an array of rules, or {seed, rules}.
  r.post('/faults', (req, res) => {
    const body: unknown = req.body;
    const rules = Array.isArray(body) ? body : (body as { rules?: unknown })?.rules;
    const seed = Array.isArray(body) ? undefined : (body as { seed?: unknown })?.seed;
    if (!Array.isArray(rules)) throw new BadRequest('expected an array of fault rules or {seed, rules}');
    if (seed !== undefined && typeof seed !== 'number') throw new BadRequest('seed must be a number');
    api.setFaults(rules as FaultRule[], seed);
    res.json(api.state().faults);
  });

  r.delete('/faults', (_req, res) => {
    api.setFaults([]);
    res.json(api.state().faults);
  });

  // Body: {mode?, server_id?, reason? (mode failed), ignore_acpi?}.
  r.post('/vm', (req, res) => {
    const body = (req.body ?? {}) as { mode?: unknown; server_id?: unknown; reason?: unknown; ignore_acpi?: unknown };
    const serverId = body.server_id === undefined ? undefined : Number(body.server_id);
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.mode !== 'failed')) {
      throw new BadRequest("reason must be a string, and goes with mode 'failed'");
    }
    if (body.mode !== undefined) {
      if (!MODES.includes(body.mode as VmMode)) throw new BadRequest(`mode must be one of ${MODES.join(', ')}`);
      api.setVmMode(body.mode as VmMode, serverId, body.reason as string | undefined);
    }
    if (body.ignore_acpi !== undefined) {
      if (typeof body.ignore_acpi !== 'boolean') throw new BadRequest('ignore_acpi must be a boolean');
      api.setIgnoreAcpi(body.ignore_acpi, serverId);
    }
    res.json({ ok: true });
  });

  // Body: {mode, server_id?}: one gateway's health mode, or (without server_id) the default.
  r.post('/health', (req, res) => {
    const body = (req.body ?? {}) as { mode?: unknown; server_id?: unknown };
    if (!HEALTH_MODES.includes(body.mode as HealthMode)) throw new BadRequest(`mode must be one of ${HEALTH_MODES.join(', ')}`);
    api.setHealthMode(body.mode as HealthMode, body.server_id === undefined ? undefined : Number(body.server_id));
    res.json({ ok: true, health_checks: api.state().health_checks });
  });

  r.get('/health', (_req, res) => {
    res.json({ health_checks: api.state().health_checks });
  });

  // Orphans "created" long ago, for grace-period tests: the providers have no way to do this.
  // Body: {created} (ISO time) for a server, {created_on} for a DNS record.
  r.post('/servers/:id/created', (req, res) => {
    api.backdateServer(Number(req.params.id), isoTime((req.body as { created?: unknown } | undefined)?.created, 'created'));
    res.json({ ok: true });
  });

  r.post('/dns_records/:id/created', (req, res) => {
    api.backdateDnsRecord(req.params.id, isoTime((req.body as { created_on?: unknown } | undefined)?.created_on, 'created_on'));
    res.json({ ok: true });
  });

  r.get('/alerts', (_req, res) => {
    res.json(api.state().alerts);
  });

  r.delete('/alerts', (_req, res) => {
    api.clearAlerts();
    res.json(api.state().alerts);
  });

  // Body: {count, status? (default 500)}: the next `count` webhook POSTs are refused, as by a Slack outage.
  r.post('/alerts/refuse', (req, res) => {
    const body = (req.body ?? {}) as { count?: unknown; status?: unknown };
    const status = body.status ?? 500;
    if (!Number.isInteger(body.count) || (body.count as number) < 0) throw new BadRequest('count must be a non-negative integer');
    if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) throw new BadRequest('status must be a 4xx or 5xx status');
    api.refuseAlerts(body.count as number, status as number);
    res.json({ ok: true });
  });

  // Creates in this location answer 412 resource_unavailable ("error during placement").
  // Body: {server_types?: string[]} (default: every type). DELETE makes it available again.
  r.post('/locations/:name/unavailable', (req, res) => {
    const types = (req.body as { server_types?: unknown } | undefined)?.server_types;
    if (types !== undefined && !(Array.isArray(types) && types.every((t) => typeof t === 'string'))) {
      throw new BadRequest('server_types must be an array of server type names');
    }
    api.setLocationUnavailable(req.params.name, true, types as string[] | undefined);
    res.json({ unavailable_locations: api.state().unavailable_locations });
  });

  r.delete('/locations/:name/unavailable', (req, res) => {
    api.setLocationUnavailable(req.params.name, false);
    res.json({ unavailable_locations: api.state().unavailable_locations });
  });

  r.get('/messages', (_req, res) => {
    res.json(api.state().messages);
  });

  r.get('/mail', (_req, res) => {
    const rows = api
      .state()
      .messages.map(
        (m, i) =>
          `<section><h3>#${i} ${escapeHtml(m.subject)}</h3><p>${escapeHtml(m.date)} — from ${escapeHtml(m.from)} to ${escapeHtml(m.to.join(', '))}</p><pre>${escapeHtml(m.text)}</pre></section>`,
      )
      .reverse()
      .join('\n');
    res.type('html').send(`<!doctype html><title>Sandbox mail</title><h1>Sandbox mail</h1>${rows || '<p>No messages yet.</p>'}`);
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const bad = err instanceof BadRequest || err instanceof FaultRuleError || (err as { type?: string }).type === 'entity.parse.failed';
    const unknown = err instanceof UnknownServerError || err instanceof UnknownLocationError || err instanceof UnknownDnsRecordError;
    const status = unknown ? 404 : bad ? 400 : 500;
    res.status(status).json({ error: (err as Error).message });
  };
  r.use(onError);
  return r;
}
