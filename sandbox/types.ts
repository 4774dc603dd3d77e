// Public shapes of the sandbox: its options, its handle, its state snapshot and its fault rules.
// Everything here is plain data so the same JSON travels over /__sandbox/* and the TS API.

/** once/twice: ready; wrong-token: ready with a bad token; never: silence; failed: POST …/failed with a reason. */
export type VmMode = 'once' | 'twice' | 'wrong-token' | 'never' | 'failed';

/** How a guest's gateway answers its health check (only while it is running and booted; otherwise it fails). */
export const HEALTH_MODES = ['healthy', 'failing', 'timeout', 'flapping'] as const;
/** healthy: 200; failing: 503; timeout: never answers; flapping: 503 and 200 in turn, starting with 503. */
export type HealthMode = (typeof HEALTH_MODES)[number];

export interface SandboxLogger {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
}

export interface SandboxOptions {
  host?: string;
  httpPort?: number;
  smtpPort?: number;
  cloudflareZoneId?: string;
  cloudflareZoneName?: string;
  actionDurationMs?: number;
  bootDelayMs?: number;
  shutdownDelayMs?: number;
  vmMode?: VmMode;
  /** Guests ignore ACPI shutdown requests (they never power off by themselves). */
  ignoreAcpi?: boolean;
  /** How every gateway answers its health check unless set per server (default 'healthy'). */
  healthMode?: HealthMode;
  hetznerRateLimit?: { limit: number; refillPerSecond: number };
  cloudflareRateLimit?: { limit: number; windowSeconds: number };
  seed?: number;
  logger?: SandboxLogger;
}

/**
 * One fault rule. `route` is a route key ("POST /v1/servers"), a concrete server-action key
 * ("POST /v1/servers/:id/actions/shutdown") or '*' (every provider route).
 * Counts are consumed before probabilities are drawn; probabilities come from the seeded RNG.
 */
export interface FaultRule {
  route: string;
  /** Delay added before the request is handled. */
  latencyMs?: number;
  /** Probability (0..1) that a call is answered with `status`/`code` instead of being handled. */
  errorRate?: number;
  /** The next N matching calls are answered with `status`/`code`. */
  errorCount?: number;
  /** HTTP status of injected errors; default 503. */
  status?: number;
  /** Provider error code: Hetzner string (default 'service_error'), Cloudflare number (default 1000). */
  code?: string | number;
  message?: string;
  /** The next `count` matching calls get 429 with the provider's rate-limit headers. */
  rateLimitStorm?: { count: number };
  /** Handle the call (the change happens), then cut the connection instead of answering. */
  commitThenDrop?: { count?: number; rate?: number };
  /** Handle the call (the change happens), then hold the answer this long: a client killed meanwhile never learns it. */
  answerDelayMs?: number;
}

export interface FaultConfig {
  seed: number;
  rules: FaultRule[];
}

export interface CallbackAttempt {
  server_id: number;
  server_name: string;
  /** 'ready', or 'failed' (mode failed: the guest reports that the gateway did not come up). */
  kind: 'ready' | 'failed';
  url: string;
  mode: VmMode;
  /** Which callback of this boot (1, or 2 in 'twice' mode). */
  call: number;
  attempt: number;
  token_correct: boolean;
  status: number | null;
  error: string | null;
  at: string;
}

/** One POST the alert receiver accepted (a Slack-compatible incoming webhook). */
export interface ReceivedAlert {
  /** The JSON body as sent: `text` plus whatever structured fields came with it. */
  body: Record<string, unknown>;
  text: string;
  received_at: string;
}

export interface StoredMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  date: string;
  raw_size: number;
}

export interface SandboxState {
  /** Hetzner server JSON plus user_data, vm_mode, vm_fail_reason, ignore_acpi, cloud_init_done, guest_up, health_mode, ssh_key_ids, root_password. */
  servers: Array<Record<string, unknown>>;
  ssh_keys: Array<Record<string, unknown>>;
  firewalls: Array<Record<string, unknown>>;
  /** Locations refusing creates with resource_unavailable; server_types null means every type. */
  unavailable_locations: Array<{ location: string; server_types: string[] | null }>;
  actions: Array<Record<string, unknown>>;
  images: Array<Record<string, unknown>>;
  dns_records: Array<Record<string, unknown>>;
  messages: StoredMessage[];
  callbacks: CallbackAttempt[];
  requests: Record<string, number>;
  /** Gateway health checks per server id (an address no server holds is counted under that address). */
  health_checks: Record<string, number>;
  alerts: ReceivedAlert[];
  faults: FaultConfig;
}

export interface Sandbox {
  httpUrl: string;
  hetznerUrl: string;
  cloudflareUrl: string;
  smtpPort: number;
  smtpHost: string;
  cloudflareZoneId: string;
  cloudflareZoneName: string;
  state(): SandboxState;
  reset(): void;
  setFaults(faults: FaultRule[], seed?: number): void;
  /** Mode 'failed' reports `failReason` (default: a gateway health check that never passed). */
  setVmMode(mode: VmMode, serverId?: number, failReason?: string): void;
  /** Creates in this location fail with 412 resource_unavailable (for the given server types, or all). */
  setLocationUnavailable(location: string, unavailable: boolean, serverTypes?: string[]): void;
  /** Make one guest (or, without id, every guest) ignore or obey ACPI shutdown. */
  setIgnoreAcpi(ignore: boolean, serverId?: number): void;
  /** How one gateway (or, without id, every gateway without its own mode) answers its health check. */
  setHealthMode(mode: HealthMode, serverId?: number): void;
  /** Move a server's `created` into the past, as if an orphan had been there that long. */
  backdateServer(serverId: number, created: Date): void;
  /** Move a DNS record's `created_on` into the past. */
  backdateDnsRecord(recordId: string, createdOn: Date): void;
  /** Forget the alerts received so far (reset() does too). */
  clearAlerts(): void;
  /** The next `count` alert webhook POSTs are refused with `status` (a 4xx or 5xx), as in a Slack outage. */
  refuseAlerts(count: number, status: number): void;
  /** HEALTH_URL_TEMPLATE pointing at this sandbox's gateways (sandboxHealthUrlTemplate(httpUrl)). */
  healthUrlTemplate: string;
  /** ALERT_WEBHOOK_URL pointing at this sandbox's alert receiver (sandboxAlertWebhookUrl(httpUrl)). */
  alertWebhookUrl: string;
  close(): Promise<void>;
}
