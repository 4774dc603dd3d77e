// The one place that talks to Hetzner Cloud. It uses hcloud-js, and works around its defects:
//  - its error interceptor drops the HTTP status and rate-limit headers, throws a bare object
//    (not an Error), and crashes with a TypeError on a non-JSON answer (an HTML 502 from a proxy);
//    we replace it with one that raises a ProviderError carrying status, code and retry hint;
//  - its Server model drops fields we need (primary_disk_size, labels on create), so server
//    reads go through the same axios instance (auth, base URL, timeout) and keep the raw JSON;
//  - it pins axios ^0.21 with known advisories; package.json overrides it to a patched 0.x.
import { Client as HcloudClient } from 'hcloud-js';
import { ProviderError } from './errors';

export interface HetznerServer {
  id: number;
  name: string;
  status: 'initializing' | 'starting' | 'running' | 'stopping' | 'off' | 'deleting' | 'migrating' | 'rebuilding' | 'unknown';
  labels: Record<string, string>;
  ipv4: string | undefined;
  serverType: string;
  /** The disk the server actually has; with upgrade_disk=false it stays when the type changes. */
  primaryDiskSize: number;
  location: string;
  /** Set while Hetzner's automatic backups are on. */
  backupWindow: string | null;
  /** ISO time Hetzner created it (the drift sweep's orphan grace counts from here). */
  created: string;
}

export interface HetznerAction {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  progress: number;
  error?: { code: string; message: string };
}

export interface CreateServerSpec {
  name: string;
  serverType: string;
  location: string;
  image: string;
  userData: string;
  labels: Record<string, string>;
  /** Ids of keys stored in /v1/ssh_keys (Hetzner refuses raw key lines). */
  sshKeyIds: number[];
  firewallIds: number[];
}

export type PowerCommand = 'poweron' | 'poweroff' | 'shutdown' | 'reboot' | 'reset';

interface RawServer {
  id: number;
  name: string;
  status: HetznerServer['status'];
  labels?: Record<string, string>;
  public_net?: { ipv4?: { ip?: string } | null };
  server_type: { name: string; disk: number };
  primary_disk_size?: number;
  datacenter?: { location?: { name?: string } };
  backup_window?: string | null;
  created: string;
}

interface RawAction {
  id: number;
  command: string;
  status: HetznerAction['status'];
  progress: number;
  error?: { code: string; message: string } | null;
}

interface AxiosLikeError {
  response?: { status: number; data?: unknown; headers?: Record<string, string | undefined> };
  code?: string;
  message?: string;
}

function toServer(raw: RawServer): HetznerServer {
  return {
    id: raw.id,
    name: raw.name,
    status: raw.status,
    labels: raw.labels ?? {},
    ipv4: raw.public_net?.ipv4?.ip ?? undefined,
    serverType: raw.server_type.name,
    primaryDiskSize: raw.primary_disk_size ?? raw.server_type.disk,
    location: raw.datacenter?.location?.name ?? 'unknown',
    backupWindow: raw.backup_window ?? null,
    created: raw.created,
  };
}

function toAction(raw: RawAction): HetznerAction {
  const action: HetznerAction = { id: raw.id, command: raw.command, status: raw.status, progress: raw.progress };
  if (raw.error) action.error = { code: raw.error.code, message: raw.error.message };
  return action;
}

/**
 * How long to wait after a 429. Hetzner's RateLimit-Reset is when the bucket is *full* again (up to
 * an hour away), but it refills one request a second, so waiting for all of it would stall every
 * instance; wait until the reset or a few seconds, whichever comes first.
 */
const MAX_RATE_LIMIT_WAIT_MS = 5_000;
function retryHint(headers: Record<string, string | undefined> | undefined, status: number): number | undefined {
  if (status !== 429) return undefined;
  const retryAfter = Number(headers?.['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, 60_000);
  const reset = Number(headers?.['ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.min(Math.max(reset * 1000 - Date.now(), 1_000), MAX_RATE_LIMIT_WAIT_MS);
  return 1_000;
}

export function toHetznerError(error: unknown): ProviderError {
  const e = error as AxiosLikeError;
  if (e?.response) {
    const body = e.response.data as { error?: { code?: string; message?: string } } | undefined;
    const code = body?.error?.code ?? `http_${e.response.status}`;
    const message = body?.error?.message ?? `unexpected ${e.response.status} answer`;
    return new ProviderError('Hetzner', e.response.status, code, message, retryHint(e.response.headers, e.response.status));
  }
  return new ProviderError('Hetzner', undefined, e?.code ?? 'network_error', e?.message ?? String(error));
}

export class HetznerClient {
  private readonly hcloud: HcloudClient;

  constructor(options: { token: string; url: string; timeoutMs?: number }) {
    this.hcloud = new HcloudClient({ token: options.token, baseURL: options.url, timeout: options.timeoutMs ?? 15_000 });
    const axios = this.hcloud.axios;
    // Replace hcloud-js's own error interceptor (see the file comment).
    axios.interceptors.response.handlers = [];
    axios.interceptors.response.use(undefined, (error: unknown) => Promise.reject(toHetznerError(error)));
  }

  /** The authenticated axios instance, for the routes hcloud-js lacks (see hetzner-*.ts). */
  get http(): HcloudClient['axios'] {
    return this.hcloud.axios;
  }

  async listServers(params: { name?: string; labelSelector?: string }): Promise<HetznerServer[]> {
    const servers: HetznerServer[] = [];
    for (let page = 1; ; page++) {
      const response = await this.hcloud.axios.get('/servers', {
        params: { name: params.name, label_selector: params.labelSelector, page, per_page: 50 },
      });
      const data = response.data as { servers: RawServer[]; meta?: { pagination?: { next_page: number | null } } };
      servers.push(...data.servers.map(toServer));
      if (!data.meta?.pagination?.next_page) return servers;
    }
  }

  /** null when the server does not exist (deleted, or never created). */
  async getServer(id: number): Promise<HetznerServer | null> {
    try {
      const response = await this.hcloud.axios.get(`/servers/${id}`);
      return toServer((response.data as { server: RawServer }).server);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return null;
      throw error;
    }
  }

  /** Raw POST (hcloud-js's builder cannot pass firewalls). The answer's root_password is never read. */
  async createServer(spec: CreateServerSpec): Promise<{ server: HetznerServer; actionId: number }> {
    const response = await this.hcloud.axios.post('/servers', {
      name: spec.name,
      server_type: spec.serverType,
      location: spec.location,
      image: spec.image,
      user_data: spec.userData,
      labels: spec.labels,
      start_after_create: true,
      ...(spec.sshKeyIds.length > 0 ? { ssh_keys: spec.sshKeyIds } : {}),
      ...(spec.firewallIds.length > 0 ? { firewalls: spec.firewallIds.map((firewall) => ({ firewall })) } : {}),
    });
    const created = response.data as { server: RawServer; action: RawAction };
    return { server: toServer(created.server), actionId: created.action.id };
  }

  /** null when the server is already gone. */
  async deleteServer(id: number): Promise<number | null> {
    try {
      return (await this.hcloud.servers.delete(id)).id;
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return null;
      throw error;
    }
  }

  async power(id: number, command: PowerCommand): Promise<number> {
    const actions = this.hcloud.servers.actions;
    const call = {
      poweron: () => actions.powerOn(id),
      poweroff: () => actions.powerOff(id),
      shutdown: () => actions.shutdown(id),
      reboot: () => actions.reboot(id),
      reset: () => actions.reset(id),
    }[command];
    return (await call()).id;
  }

  async changeType(id: number, serverType: string): Promise<number> {
    // upgrade_disk=false keeps the disk, so a later downgrade stays possible.
    return (await this.hcloud.servers.actions.changeType(id, serverType, false)).id;
  }

  async createSnapshot(id: number, description: string): Promise<{ imageId: number; actionId: number }> {
    const result = await this.hcloud.servers.actions.createImage(id, 'snapshot', description);
    return { imageId: result.image.id, actionId: result.action.id };
  }

  /** A snapshot of this server with exactly this description (an earlier attempt's), if any. */
  async findSnapshot(serverId: number, description: string): Promise<{ id: number; status: string } | undefined> {
    for (let page = 1; ; page++) {
      const response = await this.hcloud.axios.get('/images', { params: { type: 'snapshot', page, per_page: 50 } });
      const data = response.data as {
        images: { id: number; status: string; description: string; created_from?: { id: number } | null }[];
        meta?: { pagination?: { next_page: number | null } };
      };
      const found = data.images.find((i) => i.description === description && i.created_from?.id === serverId);
      if (found) return { id: found.id, status: found.status };
      if (!data.meta?.pagination?.next_page) return undefined;
    }
  }

  async getAction(id: number): Promise<HetznerAction> {
    const response = await this.hcloud.axios.get(`/actions/${id}`);
    return toAction((response.data as { action: RawAction }).action);
  }

  async listServerActions(serverId: number): Promise<HetznerAction[]> {
    const response = await this.hcloud.axios.get(`/servers/${serverId}/actions`, { params: { sort: 'id:desc', per_page: 50 } });
    return (response.data as { actions: RawAction[] }).actions.map(toAction);
  }

  /** Disk size in GB of a server type, from Hetzner's catalogue. */
  async serverTypeDisk(name: string): Promise<number> {
    const list = await this.hcloud.serverTypes.list({ name });
    const type = list.serverTypes?.[0] ?? (list as unknown as { server_types?: { disk: number }[] }).server_types?.[0];
    if (!type) throw new ProviderError('Hetzner', 404, 'not_found', `server type ${name} does not exist`);
    return type.disk;
  }
}
