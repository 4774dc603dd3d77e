// /v1/firewalls: create (with rules and apply_to), list (name, label_selector), get, update,
// delete (422 resource_in_use while applied), and the actions apply_to_resources,
// remove_from_resources and set_rules. Each answers running actions that finish like any other;
// a firewall counts as applied to a server once its apply_firewall action succeeded.
// Only `server` resources are supported (no label_selector targets).

import { Router } from 'express';
import type { ActionRecord, FirewallRecord } from '../store';
import { ACTION_SORT } from './action-engine';
import type { HetznerContext } from './context';
import { HetznerError, invalidInput, notFound } from './errors';
import { checkRules } from './firewall-rules';
import { labelSelectorFilter } from './label-selector';
import { listParam, paginate, sortBy } from './pagination';
import { actionJson, firewallJson } from './render';
import { bodyOf, checkLabels } from './validation';

type ResourcesField = 'apply_to' | 'remove_from';

function getFirewall(ctx: HetznerContext, rawId: string | undefined): FirewallRecord {
  const firewall = ctx.store.firewalls.get(Number(rawId));
  if (!firewall) throw notFound('firewall');
  return firewall;
}

function checkName(ctx: HetznerContext, name: unknown, except?: number): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalidInput('name', 'is required');
  if ([...ctx.store.firewalls.values()].some((f) => f.id !== except && f.name === name)) {
    throw new HetznerError('uniqueness_error', 'firewall name is already used', { fields: [{ name: 'name' }] });
  }
  return name;
}

/**
 * Server ids named by `[{type: 'server', server: {id}}]`. An unknown server is
 * firewall_resource_not_found: 422 on create, 404 on the actions (as the reference lists them).
 */
function serverIds(ctx: HetznerContext, value: unknown, field: ResourcesField, notFoundStatus: number): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(field, 'must be an array of resources');
  const ids: number[] = [];
  value.forEach((raw: unknown, i) => {
    const res = raw as { type?: unknown; server?: { id?: unknown } } | null;
    if (res?.type === 'label_selector') throw invalidInput(`${field}[${i}].type`, 'label_selector resources are not supported by the sandbox');
    if (res?.type !== 'server') throw invalidInput(`${field}[${i}].type`, "must be 'server'");
    const id = res.server?.id;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw invalidInput(`${field}[${i}].server.id`, 'is required');
    if (!ctx.store.servers.has(id)) {
      throw new HetznerError('firewall_resource_not_found', `server ${id} not found`, { resources: [{ type: 'server', id }] }, notFoundStatus);
    }
    if (ids.includes(id)) throw new HetznerError('server_already_added', `server ${id} was given more than once`);
    ids.push(id);
  });
  return ids;
}

/** Firewall actions do not lock the servers they touch, nor the firewall itself. */
function firewallAction(ctx: HetznerContext, firewall: FirewallRecord, command: string, serverId: number | null, onFinish?: () => void): ActionRecord {
  const resources = [{ id: firewall.id, type: 'firewall' }];
  if (serverId !== null) resources.push({ id: serverId, type: 'server' });
  return ctx.engine.create({ command, resources, locks: [], onFinish: () => void onFinish?.() });
}

function apply(ctx: HetznerContext, firewall: FirewallRecord, serverId: number): ActionRecord {
  firewall.appliedTo.set(serverId, 'pending');
  return firewallAction(ctx, firewall, 'apply_firewall', serverId, () => {
    if (firewall.appliedTo.has(serverId)) firewall.appliedTo.set(serverId, 'applied');
  });
}

function actionsOf(ctx: HetznerContext, firewall: FirewallRecord): ActionRecord[] {
  return [...ctx.store.actions.values()].filter((a) => a.resources.some((x) => x.type === 'firewall' && x.id === firewall.id));
}

export function firewallsRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.post('/firewalls', (req, res) => {
    const body = bodyOf(req.body);
    const labels = checkLabels(body['labels']);
    const rules = checkRules(body['rules'], false);
    const targets = serverIds(ctx, body['apply_to'], 'apply_to', 422);
    const name = checkName(ctx, body['name']);
    const firewall: FirewallRecord = { id: ctx.store.firewallId(), name, labels, created: new Date().toISOString(), rules, appliedTo: new Map() };
    ctx.store.firewalls.set(firewall.id, firewall);
    const actions = [
      ...(rules.length > 0 ? [firewallAction(ctx, firewall, 'set_firewall_rules', null)] : []),
      ...targets.map((id) => apply(ctx, firewall, id)),
    ];
    res.status(201).json({ firewall: firewallJson(firewall), actions: actions.map(actionJson) });
  });

  r.get('/firewalls', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const name = listParam(query['name'])[0];
    const matches = labelSelectorFilter(listParam(query['label_selector'])[0]);
    const firewalls = [...ctx.store.firewalls.values()].filter((f) => (name === undefined || f.name === name) && matches(f.labels));
    const sorted = sortBy(firewalls, query['sort'], { id: (f) => f.id, name: (f) => f.name, created: (f) => f.created });
    const page = paginate(sorted, query);
    res.json({ firewalls: page.items.map(firewallJson), meta: page.meta });
  });

  r.get('/firewalls/:id', (req, res) => {
    res.json({ firewall: firewallJson(getFirewall(ctx, req.params.id)) });
  });

  r.put('/firewalls/:id', (req, res) => {
    const firewall = getFirewall(ctx, req.params.id);
    const body = bodyOf(req.body);
    if (body['name'] !== undefined) firewall.name = checkName(ctx, body['name'], firewall.id);
    if (body['labels'] !== undefined) firewall.labels = checkLabels(body['labels']);
    res.json({ firewall: firewallJson(firewall) });
  });

  r.delete('/firewalls/:id', (req, res) => {
    const firewall = getFirewall(ctx, req.params.id);
    if (firewall.appliedTo.size > 0) throw new HetznerError('resource_in_use', 'firewall is still applied to a resource');
    ctx.store.firewalls.delete(firewall.id);
    res.status(204).end();
  });

  r.post('/firewalls/:id/actions/apply_to_resources', (req, res) => {
    const firewall = getFirewall(ctx, req.params.id);
    const body = bodyOf(req.body);
    if (body['apply_to'] === undefined) throw invalidInput('apply_to', 'is required');
    const targets = serverIds(ctx, body['apply_to'], 'apply_to', 404);
    const already = targets.find((id) => firewall.appliedTo.has(id));
    if (already !== undefined) throw new HetznerError('firewall_already_applied', `firewall is already applied to server ${already}`);
    res.status(201).json({ actions: targets.map((id) => actionJson(apply(ctx, firewall, id))) });
  });

  // Removing from a server it is not applied to is not refused (firewall_already_removed was
  // retired on 2025-08-04); the action simply has nothing to do.
  r.post('/firewalls/:id/actions/remove_from_resources', (req, res) => {
    const firewall = getFirewall(ctx, req.params.id);
    const body = bodyOf(req.body);
    if (body['remove_from'] === undefined) throw invalidInput('remove_from', 'is required');
    const targets = serverIds(ctx, body['remove_from'], 'remove_from', 404);
    const actions = targets.map((id) => firewallAction(ctx, firewall, 'remove_firewall', id, () => firewall.appliedTo.delete(id)));
    res.status(201).json({ actions: actions.map(actionJson) });
  });

  r.post('/firewalls/:id/actions/set_rules', (req, res) => {
    const firewall = getFirewall(ctx, req.params.id);
    firewall.rules = checkRules(bodyOf(req.body)['rules'], true);
    res.status(201).json({ actions: [actionJson(firewallAction(ctx, firewall, 'set_firewall_rules', null))] });
  });

  r.get('/firewalls/:id/actions', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const statuses = listParam(query['status']);
    const actions = actionsOf(ctx, getFirewall(ctx, req.params.id)).filter((a) => statuses.length === 0 || statuses.includes(a.status));
    const page = paginate(sortBy(actions, query['sort'], ACTION_SORT), query);
    res.json({ actions: page.items.map(actionJson), meta: page.meta });
  });

  r.get('/firewalls/:id/actions/:actionId', (req, res) => {
    const action = actionsOf(ctx, getFirewall(ctx, req.params.id)).find((a) => a.id === Number(req.params.actionId));
    if (!action) throw notFound('action');
    res.json({ action: actionJson(action) });
  });

  return r;
}

/** A deleted server leaves every firewall it was in (the API drops it from applied_to). */
export function forgetServer(ctx: HetznerContext, serverId: number): void {
  for (const f of ctx.store.firewalls.values()) f.appliedTo.delete(serverId);
}

/** `firewalls: [{firewall: id}]` of a server create: the ids, each of which must exist. */
export function resolveCreateFirewalls(ctx: HetznerContext, value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput('firewalls', 'must be an array of {firewall: id}');
  const ids = value.map((raw: unknown, i) => {
    const id = (raw as { firewall?: unknown } | null)?.firewall;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw invalidInput(`firewalls[${i}].firewall`, 'is required');
    if (!ctx.store.firewalls.has(id)) throw invalidInput('firewalls', `firewall ${id} not found`);
    return id;
  });
  return [...new Set(ids)];
}
