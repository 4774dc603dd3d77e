// /v1/servers: create, get, list (name, label_selector, status, sort, pagination), update, delete.

import { Router } from 'express';
import type { ActionRecord, ServerRecord } from '../store';
import { SERVER_TYPES, SYSTEM_IMAGES, findBy, findLocation } from './catalog';
import { type HetznerContext, getServer, renderServer, setStatus } from './context';
import { HetznerError, invalidInput } from './errors';
import { labelSelectorFilter } from './label-selector';
import { listParam, paginate, sortBy } from './pagination';
import { forgetServer, resolveCreateFirewalls } from './firewalls';
import { actionJson } from './render';
import { issueRootPassword } from './root-password';
import { resolveSshKeys } from './ssh-keys';
import { bodyOf, checkLabels, checkName, checkUserData } from './validation';

function nameTaken(ctx: HetznerContext, name: string, except?: number): boolean {
  const lower = name.toLowerCase();
  return [...ctx.store.servers.values()].some((s) => s.id !== except && s.name.toLowerCase() === lower);
}

/** An image as create and rebuild take it: a system image by name or id, a snapshot by id. */
export function resolveImage(ctx: HetznerContext, ref: unknown): ServerRecord['image'] {
  const system = findBy(SYSTEM_IMAGES, ref);
  if (system) return { kind: 'system', name: system.name };
  const id = typeof ref === 'number' ? ref : typeof ref === 'string' && /^\d+$/.test(ref) ? Number(ref) : NaN;
  const snap = ctx.store.images.get(id);
  if (snap && snap.status === 'available') return { kind: 'snapshot', id: snap.id };
  throw invalidInput('image', `image '${String(ref)}' not found`);
}

export function filterServers(ctx: HetznerContext, query: Record<string, unknown>): ServerRecord[] {
  let servers = [...ctx.store.servers.values()];
  const name = listParam(query['name'])[0];
  if (name !== undefined) servers = servers.filter((s) => s.name === name);
  const matches = labelSelectorFilter(listParam(query['label_selector'])[0]);
  servers = servers.filter((s) => matches(s.labels));
  const statuses = listParam(query['status']);
  if (statuses.length > 0) servers = servers.filter((s) => statuses.includes(s.status));
  return sortBy(servers, query['sort'], { id: (s) => s.id, name: (s) => s.name, created: (s) => s.created });
}

function createServer(ctx: HetznerContext, rawBody: unknown) {
  const body = bodyOf(rawBody);
  const name = checkName(body['name']);
  const type = findBy(SERVER_TYPES, body['server_type']);
  if (!type) throw invalidInput('server_type', `server type '${String(body['server_type'])}' not found`);
  if (body['image'] === undefined) throw invalidInput('image', 'is required');
  const image = resolveImage(ctx, body['image']);
  const locRef = body['location'] ?? body['datacenter'] ?? 'fsn1';
  const location = findLocation(locRef);
  if (!location) throw invalidInput('location', `location '${String(locRef)}' not found`);
  const userData = checkUserData(body['user_data']);
  const labels = checkLabels(body['labels']);
  const sshKeyIds = resolveSshKeys(ctx, body['ssh_keys']);
  const firewallIds = resolveCreateFirewalls(ctx, body['firewalls']);
  const start = body['start_after_create'] !== false;
  // Checked last, like the API: a bad request is refused for its input before its name.
  if (nameTaken(ctx, name)) throw new HetznerError('uniqueness_error', 'server name is already used', { fields: [{ name: 'name', messages: ['is already used'] }] });
  // No capacity for this type here (on demand, /__sandbox/locations): what the API answers then.
  const unavailable = ctx.store.unavailableLocations.get(location.name);
  if (unavailable !== undefined && (unavailable === null || unavailable.includes(type.name))) {
    throw new HetznerError('resource_unavailable', 'error during placement');
  }

  const server: ServerRecord = {
    id: ctx.store.serverId(),
    name,
    status: 'initializing',
    created: new Date().toISOString(),
    labels,
    userData,
    serverType: type.name,
    location: location.name,
    image,
    primaryDiskSize: type.disk,
    ipv4: ctx.store.allocateIpv4(),
    ipv4Id: ctx.store.ipId(),
    ipv6: ctx.store.allocateIpv6(),
    ipv6Id: ctx.store.ipId(),
    sshKeyIds,
    backupWindow: null,
    rootPassword: null,
    cloudInitDone: false,
    vmMode: null,
    vmFailReason: null,
    ignoreAcpi: null,
    bootCount: 0,
    guestUp: false,
    healthMode: null,
    flapCount: 0,
  };
  ctx.store.servers.set(server.id, server);
  // Firewalls given at create apply with the create; until it finishes they show 'pending'.
  const firewalls = firewallIds.flatMap((id) => ctx.store.firewalls.get(id) ?? []);
  for (const f of firewalls) f.appliedTo.set(server.id, 'pending');
  const resources = [{ id: server.id, type: 'server' }];

  // The start action exists from the start (as next_actions) but runs only after create_server.
  let startAction: ActionRecord | null = null;
  const createAction = ctx.engine.create({
    command: 'create_server',
    resources,
    onFinish: () => {
      for (const f of firewalls) if (f.appliedTo.has(server.id)) f.appliedTo.set(server.id, 'applied');
      if (startAction) {
        setStatus(ctx, server, 'starting');
        ctx.engine.run(startAction, () => setStatus(ctx, server, 'running'));
      } else {
        setStatus(ctx, server, 'off');
      }
    },
  });
  if (start) startAction = ctx.engine.create({ command: 'start_server', resources, startWhen: 'manual' });
  return {
    server: renderServer(ctx, server),
    action: actionJson(createAction),
    next_actions: startAction ? [actionJson(startAction)] : [],
    // Hetzner sends no password when SSH keys are given.
    root_password: sshKeyIds.length > 0 ? null : issueRootPassword(server, 'create'),
  };
}

export function serversRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.post('/servers', (req, res) => {
    res.status(201).json(createServer(ctx, req.body));
  });

  r.get('/servers', (req, res) => {
    const query = req.query as Record<string, unknown>;
    const page = paginate(filterServers(ctx, query), query);
    res.json({ servers: page.items.map((s) => renderServer(ctx, s)), meta: page.meta });
  });

  r.get('/servers/:id', (req, res) => {
    res.json({ server: renderServer(ctx, getServer(ctx, req.params.id)) });
  });

  r.put('/servers/:id', (req, res) => {
    const server = getServer(ctx, req.params.id);
    const body = bodyOf(req.body);
    if (body['name'] !== undefined) {
      const name = checkName(body['name']);
      if (nameTaken(ctx, name, server.id)) throw new HetznerError('uniqueness_error', 'server name is already used');
      server.name = name;
    }
    if (body['labels'] !== undefined) server.labels = checkLabels(body['labels']);
    res.json({ server: renderServer(ctx, server) });
  });

  r.delete('/servers/:id', (req, res) => {
    const server = getServer(ctx, req.params.id);
    server.status = 'deleting';
    const action = ctx.engine.create({
      command: 'delete_server',
      resources: [{ id: server.id, type: 'server' }],
      onFinish: () => {
        if (ctx.store.servers.get(server.id) !== server) return;
        ctx.store.servers.delete(server.id);
        forgetServer(ctx, server.id);
      },
    });
    res.json({ action: actionJson(action) });
  });

  return r;
}
