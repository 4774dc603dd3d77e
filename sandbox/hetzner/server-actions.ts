// /v1/servers/:id/actions/*: power, change_type and create_image, with the real API's refusals:
// 423 locked while another action runs, server_not_stopped, and no disk shrink.

import { Router } from 'express';
import type { ServerRecord, ServerStatus } from '../store';
import { SERVER_TYPES, findBy } from './catalog';
import { type HetznerContext, getServer, setStatus } from './context';
import { HetznerError, invalidInput, notFound } from './errors';
import { listParam, paginate, sortBy } from './pagination';
import { actionJson, imageJson } from './render';
import { bodyOf, checkLabels } from './validation';

type Handler = (ctx: HetznerContext, server: ServerRecord, body: Record<string, unknown>) => object;

const resourcesOf = (server: ServerRecord) => [{ id: server.id, type: 'server' }];

/** An action that moves the server through `during` to `after` (unless it was in `onlyFrom`). */
function powerAction(command: string, during: ServerStatus | null, after: ServerStatus, onlyFrom: ServerStatus[]): Handler {
  return (ctx, server) => {
    const applies = onlyFrom.includes(server.status);
    if (applies && during) server.status = during;
    const action = ctx.engine.create({
      command,
      resources: resourcesOf(server),
      onFinish: () => {
        if (applies) setStatus(ctx, server, after);
      },
    });
    return { action: actionJson(action) };
  };
}

const shutdown: Handler = (ctx, server) => {
  const wasRunning = server.status === 'running';
  const action = ctx.engine.create({ command: 'shutdown_server', resources: resourcesOf(server) });
  // ACPI is only a request: the guest powers off later, or never if it ignores the button.
  const ignores = server.ignoreAcpi ?? ctx.ignoreAcpi();
  if (wasRunning && !ignores) {
    ctx.scheduler.after(ctx.shutdownDelayMs, () => {
      if (server.status === 'running') setStatus(ctx, server, 'off');
    });
  }
  return { action: actionJson(action) };
};

const changeType: Handler = (ctx, server, body) => {
  const type = findBy(SERVER_TYPES, body['server_type']);
  if (!type) throw invalidInput('server_type', `server type '${String(body['server_type'])}' not found`);
  if (typeof body['upgrade_disk'] !== 'boolean') throw invalidInput('upgrade_disk', 'is required and must be a boolean');
  if (server.status !== 'off') throw new HetznerError('server_not_stopped', 'server must be stopped before changing its type');
  // A disk that was upgraded stays that size: the server can never move to a type with less disk.
  if (type.disk < server.primaryDiskSize) {
    throw new HetznerError(
      'invalid_server_type',
      `server type ${type.name} has a ${type.disk} GB disk, smaller than the server's ${server.primaryDiskSize} GB`,
    );
  }
  const upgradeDisk = body['upgrade_disk'] === true;
  server.status = 'migrating';
  const action = ctx.engine.create({
    command: 'change_server_type',
    resources: resourcesOf(server),
    onFinish: () => {
      server.serverType = type.name;
      if (upgradeDisk) server.primaryDiskSize = type.disk;
      setStatus(ctx, server, 'off');
    },
  });
  return { action: actionJson(action) };
};

const createImage: Handler = (ctx, server, body) => {
  const type = body['type'] ?? 'snapshot';
  if (type !== 'snapshot') throw invalidInput('type', 'only snapshot images are supported by the sandbox');
  const description = typeof body['description'] === 'string' ? body['description'] : `${server.name}-snapshot`;
  const image = {
    id: ctx.store.imageId(),
    type: 'snapshot' as const,
    status: 'creating' as const,
    description,
    imageSize: null,
    diskSize: server.primaryDiskSize,
    created: new Date().toISOString(),
    createdFrom: { id: server.id, name: server.name },
    labels: checkLabels(body['labels']),
  };
  ctx.store.images.set(image.id, image);
  const action = ctx.engine.create({
    command: 'create_image',
    resources: [...resourcesOf(server), { id: image.id, type: 'image' }],
    onFinish: () => {
      const stored = ctx.store.images.get(image.id);
      if (stored) Object.assign(stored, { status: 'available', imageSize: 1.5 });
    },
  });
  return { image: imageJson(image), action: actionJson(action) };
};

const HANDLERS: Record<string, Handler> = {
  poweron: powerAction('start_server', 'starting', 'running', ['off']),
  poweroff: powerAction('stop_server', 'stopping', 'off', ['running', 'starting']),
  reboot: powerAction('reboot_server', null, 'running', ['running']),
  reset: powerAction('reset_server', null, 'running', ['running']),
  shutdown,
  change_type: changeType,
  create_image: createImage,
};

export function serverActionsRouter(ctx: HetznerContext): Router {
  const r = Router();

  r.post('/servers/:id/actions/:action', (req, res) => {
    const handler = HANDLERS[req.params.action];
    const server = getServer(ctx, req.params.id);
    if (!handler) throw notFound('action');
    if (server.status === 'deleting' || ctx.engine.isLocked(server.id)) {
      throw new HetznerError('locked', 'server is locked (another action is running)');
    }
    res.status(201).json(handler(ctx, server, bodyOf(req.body)));
  });

  r.get('/servers/:id/actions', (req, res) => {
    const server = getServer(ctx, req.params.id);
    const query = req.query as Record<string, unknown>;
    const statuses = listParam(query['status']);
    const actions = [...ctx.store.actions.values()].filter(
      (a) => a.resources.some((x) => x.type === 'server' && x.id === server.id) && (statuses.length === 0 || statuses.includes(a.status)),
    );
    const page = paginate(sortBy(actions, query['sort'], ACTION_SORT), query);
    res.json({ actions: page.items.map(actionJson), meta: page.meta });
  });

  r.get('/servers/:id/actions/:actionId', (req, res) => {
    const server = getServer(ctx, req.params.id);
    const action = ctx.store.actions.get(Number(req.params.actionId));
    if (!action || !action.resources.some((x) => x.type === 'server' && x.id === server.id)) throw notFound('action');
    res.json({ action: actionJson(action) });
  });

  return r;
}

export const ACTION_SORT = {
  id: (a: { id: number }) => a.id,
  command: (a: { command: string }) => a.command,
  status: (a: { status: string }) => a.status,
  progress: (a: { progress: number }) => a.progress,
  started: (a: { started: string }) => a.started,
  finished: (a: { finished: string | null }) => a.finished ?? '',
};
