// What the Hetzner routes share: the store, the action engine, and the server power model.

import type { Scheduler } from '../scheduler';
import type { ServerRecord, ServerStatus, Store } from '../store';
import type { ActionEngine } from './action-engine';
import { notFound } from './errors';
import { serverJson } from './render';

export interface HetznerContext {
  store: Store;
  engine: ActionEngine;
  scheduler: Scheduler;
  shutdownDelayMs: number;
  /** Global ACPI behaviour; a server's own setting wins. */
  ignoreAcpi: () => boolean;
  /** Called every time a server becomes 'running'; the VM simulator decides what a boot means. */
  onRunning: (server: ServerRecord) => void;
}

export function getServer(ctx: HetznerContext, rawId: string | undefined): ServerRecord {
  const id = Number(rawId);
  const server = Number.isInteger(id) ? ctx.store.servers.get(id) : undefined;
  if (!server) throw notFound('server');
  return server;
}

export function setStatus(ctx: HetznerContext, server: ServerRecord, status: ServerStatus): void {
  // A server deleted meanwhile must not come back to life through a late timer.
  if (ctx.store.servers.get(server.id) !== server) return;
  server.status = status;
  if (status === 'running') ctx.onRunning(server);
}

export function renderServer(ctx: HetznerContext, server: ServerRecord) {
  return serverJson(server, ctx.engine.isLocked(server.id), ctx.store);
}
