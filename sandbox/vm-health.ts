// Each guest's gateway health endpoint, as Hostflow's health monitor reaches it: GET /vm/{ip}/healthz
// (or /vm/{serverId}/healthz). A real gateway answers on the VPS's own address; the sandbox serves
// them all on loopback, keyed by the server's address, and counts every check per server so a test
// can prove an instance was not checked, or not checked twice.

import { isIPv4 } from 'node:net';
import { Router } from 'express';
import type { ServerRecord, Store } from './store';
import type { HealthMode } from './types';

/** HEALTH_URL_TEMPLATE for a sandbox at `sandboxBaseUrl` (its httpUrl, e.g. http://127.0.0.1:4010). */
export function sandboxHealthUrlTemplate(sandboxBaseUrl: string): string {
  return `${sandboxBaseUrl.replace(/\/+$/, '')}/vm/{ip}/healthz`;
}

function findServer(store: Store, key: string): ServerRecord | undefined {
  if (/^\d+$/.test(key)) return store.servers.get(Number(key));
  if (!isIPv4(key)) return undefined;
  return [...store.servers.values()].find((s) => s.ipv4 === key);
}

/** Why a server that exists cannot answer at all, or null when its gateway is up. */
function downReason(server: ServerRecord): string | null {
  if (server.status !== 'running') return `server is ${server.status}`;
  if (!server.guestUp) return 'guest is still booting';
  if (!server.cloudInitDone) return 'gateway not installed yet (cloud-init has not run)';
  return null;
}

export function vmHealthRouter(store: Store, defaultMode: () => HealthMode): Router {
  const r = Router();

  r.get('/:key/healthz', (req, res) => {
    const key = req.params.key;
    const server = findServer(store, key);
    store.countHealthCheck(server ? String(server.id) : key);
    res.set('cache-control', 'no-store');
    if (!server) {
      res.status(503).json({ status: 'unreachable', error: `no server at ${key}` });
      return;
    }
    const down = downReason(server);
    if (down) {
      res.status(503).json({ status: 'down', server_id: server.id, error: down });
      return;
    }
    const mode = server.healthMode ?? defaultMode();
    // Never answered: the socket stays open until the client gives up (or the sandbox closes it).
    if (mode === 'timeout') return;
    const fails = mode === 'failing' || (mode === 'flapping' && server.flapCount++ % 2 === 0);
    if (fails) {
      res.status(503).json({ status: 'failing', server_id: server.id, error: 'gateway answered 503 (sandbox health mode)' });
      return;
    }
    res.json({ status: 'ok', server_id: server.id, name: server.name, openclaw_version: 'sandbox-1.0.0' });
  });

  return r;
}
