// Public shapes of the sandbox: its options, its handle, its state snapshot and its fault rules.
// Everything here is plain data so the same JSON travels over /__sandbox/* and the TS API.

export type VmMode = 'once' | 'twice' | 'wrong-token' | 'never';

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
}

export interface FaultConfig {
  seed: number;
  rules: FaultRule[];
}

export interface CallbackAttempt {
  server_id: number;
  server_name: string;
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
  servers: Array<Record<string, unknown>>;
  actions: Array<Record<string, unknown>>;
  images: Array<Record<string, unknown>>;
  dns_records: Array<Record<string, unknown>>;
  messages: StoredMessage[];
  callbacks: CallbackAttempt[];
  requests: Record<string, number>;
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
  setVmMode(mode: VmMode, serverId?: number): void;
  /** Make one guest (or, without id, every guest) ignore or obey ACPI shutdown. */
  setIgnoreAcpi(ignore: boolean, serverId?: number): void;
  close(): Promise<void>;
}
