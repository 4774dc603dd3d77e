// /v1/servers/:id/actions/*: power, change_type, create_image, rebuild, reset_password and
// backups, with the real API's refusals:
// 423 locked while another action runs, server_not_stopped, and no disk shrink.

import { Router } from 'express';
import type { ServerRecord, ServerStatus } from '../store';
import { SERVER_TYPES, findBy } from './catalog';
import { ACTION_SORT } from './action-engine';
import { type HetznerContext, getServer, setStatus } from './context';
import { HetznerError, invalidInput, notFound } from './errors';
import { listParam, paginate, sortBy } from './pagination';
import { actionJson, imageJson } from './render';
import { issueRootPassword, newRootPassword, recordRootPassword } from './root-password';
import { resolveImage } from './servers';
import { bodyOf, checkLabels, checkUserData } from './validation';

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

/**
 * Reinstall from an image (system by name or id, snapshot by id). The API powers the server off,
 * writes the image and starts it again; `user_data` replaces the create's (changelog 2026-01-16),
 * otherwise the previous user data is used again. cloud-init runs anew either way.
 */
const rebuild: Handler = (ctx, server, body) => {
  if (body['image'] === undefined || body['image'] === null) throw invalidInput('image', 'is required');
  const image = resolveImage(ctx, body['image']);
  const userData = body['user_data'] === undefined ? server.userData : checkUserData(body['user_data']);
  server.status = 'rebuilding';
  const action = ctx.engine.create({
    command: 'rebuild_server',
    resources: resourcesOf(server),
    onFinish: () => {
      server.image = image;
      server.userData = userData;
      server.cloudInitDone = false;
      setStatus(ctx, server, 'running');
    },
  });
  // As at create: no password when the server was given SSH keys.
  const rootPassword = server.sshKeyIds.length > 0 ? null : issueRootPassword(server, 'rebuild');
  return { action: actionJson(action), root_password: rootPassword };
};

/**
 * The guest agent sets a new password, so the server must be running. The answer carries the
 * password at once; it takes effect only if the action succeeds (otherwise the action fails).
 */
const resetPassword: Handler = (ctx, server) => {
  const value = newRootPassword();
  const action = ctx.engine.create({
    command: 'reset_password',
    resources: resourcesOf(server),
    onFinish: () => {
      if (server.status !== 'running') return { code: 'action_failed', message: 'server is not running' };
      recordRootPassword(server, value, 'reset_password');
    },
  });
  return { action: actionJson(action), root_password: value };
};

/** Daily backups; the API picks the window. hcloud-js still sends the retired `backup_window`, which is ignored. */
const BACKUP_WINDOW = '22-02';
const backupAction = (command: string, window: string | null): Handler => (ctx, server) => {
  const action = ctx.engine.create({
    command,
    resources: resourcesOf(server),
    onFinish: () => {
      server.backupWindow = window;
    },
  });
  return { action: actionJson(action) };
};

const HANDLERS: Record<string, Handler> = {
  poweron: powerAction('start_server', 'starting', 'running', ['off']),
  poweroff: powerAction('stop_server', 'stopping', 'off', ['running', 'starting']),
  reboot: powerAction('reboot_server', null, 'running', ['running']),
  reset: powerAction('reset_server', null, 'running', ['running']),
  shutdown,
  change_type: changeType,
  create_image: createImage,
  rebuild,
  reset_password: resetPassword,
  enable_backup: backupAction('enable_backup', BACKUP_WINDOW),
  disable_backup: backupAction('disable_backup', null),
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
