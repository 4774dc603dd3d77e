// The guest side of a server: on its first boot (after create or rebuild), cloud-init reads the
// callback URL and token from the user data and POSTs `ready` to Hostflow, like
// infra/cloud-init.yaml's hostflow-ready script — or, in mode 'failed', POSTs `{reason}` to the
// sibling `failed` route, as a guest whose gateway never passed its health check does.

import { parse } from 'yaml';
import type { Scheduler } from './scheduler';
import { type ServerRecord, type Store, UnknownServerError } from './store';
import type { SandboxLogger, VmMode } from './types';

const CALLBACK_FILE = '/etc/hostflow/callback.env';
const READY_BODY = JSON.stringify({ openclaw_version: 'sandbox-1.0.0', gateway_port: 18789 });
export const DEFAULT_FAIL_REASON = 'gateway did not answer its health check (sandbox)';
/** The real script retries with curl; the sandbox retries fewer times, faster, and stops. */
const MAX_ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 2_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface CallbackConfig {
  url: string;
  token: string;
  /** HOSTFLOW_FAILED_URL when the user data names one, else the ready URL with `/ready` → `/failed`. */
  failedUrl: string;
}

function failedUrlFor(readyUrl: string): string {
  return readyUrl.replace(/\/ready(?=\/?(?:[?#]|$))/, '/failed');
}

/** The callback settings in Hostflow's #cloud-config, or a reason there are none. */
export function readCallbackConfig(userData: string | null): CallbackConfig | string {
  if (!userData) return 'no user data';
  if (!userData.startsWith('#cloud-config')) return 'user data is not #cloud-config';
  let doc: unknown;
  try {
    doc = parse(userData);
  } catch (e) {
    return `user data is not valid YAML: ${(e as Error).message}`;
  }
  const files = (doc as { write_files?: unknown } | null)?.write_files;
  if (!Array.isArray(files)) return 'no write_files in user data';
  const entry = files.find((f: unknown) => (f as { path?: unknown })?.path === CALLBACK_FILE) as { content?: unknown } | undefined;
  if (!entry || typeof entry.content !== 'string') return `no ${CALLBACK_FILE} in write_files`;
  const env: Record<string, string> = {};
  for (const line of entry.content.split(/\r?\n/)) {
    const m = line.match(/^\s*([A-Z_]+)=(.*)$/);
    if (m?.[1]) env[m[1]] = (m[2] ?? '').trim().replace(/^"(.*)"$/, '$1');
  }
  const url = env['HOSTFLOW_CALLBACK_URL'];
  const token = env['HOSTFLOW_CALLBACK_TOKEN'];
  if (!url || !token) return 'HOSTFLOW_CALLBACK_URL or HOSTFLOW_CALLBACK_TOKEN missing';
  return { url, token, failedUrl: env['HOSTFLOW_FAILED_URL'] || failedUrlFor(url) };
}

/** This workplace forbids traffic to anything but loopback. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    host = u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export class VmSimulator {
  private globalMode: VmMode;
  private globalFailReason = DEFAULT_FAIL_REASON;

  constructor(
    private readonly store: Store,
    private readonly scheduler: Scheduler,
    private readonly bootDelayMs: number,
    mode: VmMode,
    private readonly logger: SandboxLogger,
  ) {
    this.globalMode = mode;
  }

  setMode(mode: VmMode, serverId?: number, failReason?: string): void {
    if (serverId === undefined) {
      this.globalMode = mode;
      this.globalFailReason = failReason ?? DEFAULT_FAIL_REASON;
      return;
    }
    const server = this.store.servers.get(serverId);
    if (!server) throw new UnknownServerError(serverId);
    server.vmMode = mode;
    server.vmFailReason = failReason ?? null;
  }

  mode(): VmMode {
    return this.globalMode;
  }

  /**
   * Called whenever a server becomes 'running' (create, power on, reboot, rebuild): the guest boots
   * for bootDelayMs, then its gateway is up. cloud-init acts only on the first full boot of an installation.
   */
  onRunning(server: ServerRecord): void {
    const boot = ++server.bootCount;
    server.guestUp = false;
    this.scheduler.after(this.bootDelayMs, () => {
      // Powered off, rebooted or deleted before this boot finished: a later boot takes over.
      if (this.store.servers.get(server.id) !== server || server.status !== 'running' || server.bootCount !== boot) return;
      server.guestUp = true;
      if (server.cloudInitDone) return;
      server.cloudInitDone = true;
      void this.runCloudInit(server);
    });
  }

  private async runCloudInit(server: ServerRecord): Promise<void> {
    const mode = server.vmMode ?? this.globalMode;
    const config = readCallbackConfig(server.userData);
    if (typeof config === 'string') {
      this.logger.info({ server: server.name }, `sandbox vm: no callback (${config})`);
      return;
    }
    if (mode === 'never') {
      this.logger.info({ server: server.name }, 'sandbox vm: mode never, not calling back');
      return;
    }
    if (mode === 'failed') {
      const reason = server.vmFailReason ?? this.globalFailReason;
      await this.callBack(server, { kind: 'failed', url: config.failedUrl, body: JSON.stringify({ reason }) }, config.token, true, mode, 1);
      return;
    }
    const token = mode === 'wrong-token' ? `wrong-${config.token}` : config.token;
    const calls = mode === 'twice' ? 2 : 1;
    const generation = this.scheduler.generation;
    for (let call = 1; call <= calls && this.scheduler.generation === generation; call++) {
      await this.callBack(server, { kind: 'ready', url: config.url, body: READY_BODY }, token, token === config.token, mode, call);
    }
  }

  private async callBack(server: ServerRecord, report: Report, token: string, tokenCorrect: boolean, mode: VmMode, call: number): Promise<void> {
    const { kind, url, body } = report;
    const record = (attempt: number, status: number | null, error: string | null) =>
      this.store.callbacks.push({
        server_id: server.id, server_name: server.name, kind, url, mode, call, attempt,
        token_correct: tokenCorrect, status, error, at: new Date().toISOString(),
      });
    if (!isLoopbackUrl(url)) {
      this.logger.warn({ server: server.name, url }, 'sandbox vm: refusing to call a non-loopback URL');
      record(0, null, 'refused: callback URL is not on loopback');
      return;
    }
    let backoff = FIRST_BACKOFF_MS;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { signal, done } = this.scheduler.signal();
      let retry = false;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Callback-Token': token },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        record(attempt, res.status, null);
        this.logger.info({ server: server.name, status: res.status, call }, `sandbox vm: ${kind} callback answered`);
        retry = res.status >= 500;
      } catch (e) {
        if (signal.aborted) return; // sandbox closing or reset
        record(attempt, null, errorText(e));
        retry = true;
      } finally {
        done();
      }
      if (!retry || attempt === MAX_ATTEMPTS) return;
      if (!(await this.scheduler.sleep(backoff))) return; // reset or closed meanwhile
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      if (this.store.servers.get(server.id) !== server) return;
    }
  }
}

interface Report {
  kind: 'ready' | 'failed';
  url: string;
  body: string;
}

function errorText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
}
