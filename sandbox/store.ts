// In-memory records of every simulated resource. Ids keep counting across reset() so a stale id
// held by a test or a workflow never silently points at a newer resource.

import type { CallbackAttempt, HealthMode, ReceivedAlert, StoredMessage, VmMode } from './types';

export type ServerStatus =
  | 'initializing'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'off'
  | 'deleting'
  | 'migrating'
  | 'rebuilding'
  | 'unknown';

export interface ServerRecord {
  id: number;
  name: string;
  status: ServerStatus;
  created: string;
  labels: Record<string, string>;
  userData: string | null;
  serverType: string;
  location: string;
  image: { kind: 'system'; name: string } | { kind: 'snapshot'; id: number };
  primaryDiskSize: number;
  ipv4: string;
  ipv4Id: number;
  ipv6: string;
  ipv6Id: number;
  /** Ids of the stored SSH keys injected at create (the server JSON does not show them). */
  sshKeyIds: number[];
  /** Set by enable_backup ("22-02"), cleared by disable_backup. */
  backupWindow: string | null;
  /** The last root password the API issued (create, rebuild, reset_password), for tests only. */
  rootPassword: { value: string; via: string; at: string } | null;
  /** cloud-init runs once per installation: on the first boot after create or after a rebuild. */
  cloudInitDone: boolean;
  vmMode: VmMode | null;
  /** Reason the guest reports in VM mode 'failed'; null: the simulator's default. */
  vmFailReason: string | null;
  ignoreAcpi: boolean | null;
  /** Bumped on every transition to 'running', so a boot timer from an earlier boot is ignored. */
  bootCount: number;
  /** The current boot has finished (bootDelayMs after 'running'); a power cycle or reboot clears it. */
  guestUp: boolean;
  /** How the gateway's health endpoint answers; null: the sandbox's default. */
  healthMode: HealthMode | null;
  /** Checks answered in mode 'flapping', so it alternates fail, ok, fail, … per server. */
  flapCount: number;
}

export interface SshKeyRecord {
  id: number;
  name: string;
  fingerprint: string;
  publicKey: string;
  labels: Record<string, string>;
  created: string;
}

export interface FirewallRule {
  direction: 'in' | 'out';
  protocol: 'tcp' | 'udp' | 'icmp' | 'esp' | 'gre';
  port: string | null;
  source_ips: string[];
  destination_ips: string[];
  description: string | null;
}

export interface FirewallRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: string;
  rules: FirewallRule[];
  /** Servers it is applied to: 'pending' until the apply action (or the server's create) finishes. */
  appliedTo: Map<number, 'pending' | 'applied'>;
}

export interface ActionRecord {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  progress: number;
  started: string;
  finished: string | null;
  resources: Array<{ id: number; type: string }>;
  error: { code: string; message: string } | null;
  /** Resource types the action locks while running; null: all of its resources. */
  locks: string[] | null;
}

export interface ImageRecord {
  id: number;
  type: 'snapshot';
  status: 'creating' | 'available';
  description: string;
  imageSize: number | null;
  diskSize: number;
  created: string;
  createdFrom: { id: number; name: string };
  labels: Record<string, string>;
}

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  priority?: number;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

/** A control call named a server the sandbox does not have. */
export class UnknownServerError extends Error {
  constructor(id: number) {
    super(`no server ${id}`);
  }
}

/** A control call named a DNS record the sandbox does not have. */
export class UnknownDnsRecordError extends Error {
  constructor(id: string) {
    super(`no DNS record ${id}`);
  }
}

/** A control call named a location the catalog does not have. */
export class UnknownLocationError extends Error {
  constructor(name: string) {
    super(`no location ${name}`);
  }
}

export class Store {
  servers = new Map<number, ServerRecord>();
  actions = new Map<number, ActionRecord>();
  images = new Map<number, ImageRecord>();
  sshKeys = new Map<number, SshKeyRecord>();
  firewalls = new Map<number, FirewallRecord>();
  dnsRecords = new Map<string, DnsRecord>();
  /** Locations (by name) where creates fail with resource_unavailable; value: the server types affected, null for all. */
  unavailableLocations = new Map<string, string[] | null>();
  messages: StoredMessage[] = [];
  callbacks: CallbackAttempt[] = [];
  requests: Record<string, number> = {};
  /** Gateway health checks per server id (an address no server holds: per that address). */
  healthChecks: Record<string, number> = {};
  /** What the alert receiver was sent. */
  alerts: ReceivedAlert[] = [];
  /** The next `remaining` webhook POSTs are refused with `status` (POST /__sandbox/alerts/refuse). */
  alertRefusals = { remaining: 0, status: 500 };

  private nextServerId = 1_000_001;
  private nextActionId = 5_000_001;
  private nextImageId = 300_000_001;
  private nextIpId = 40_000_001;
  private nextSshKeyId = 7_000_001;
  private nextFirewallId = 9_000_001;
  private nextV6Net = 1;
  private nextIpHost = 1;

  serverId(): number {
    return this.nextServerId++;
  }
  actionId(): number {
    return this.nextActionId++;
  }
  imageId(): number {
    return this.nextImageId++;
  }
  ipId(): number {
    return this.nextIpId++;
  }
  sshKeyId(): number {
    return this.nextSshKeyId++;
  }
  firewallId(): number {
    return this.nextFirewallId++;
  }

  /**
   * An unused IPv4 address: first from 203.0.113.0/24 (TEST-NET-3, what a small run shows), then
   * the other documentation nets, then 100.64.0.0/10 (shared address space, never routed on the
   * internet) so a long benchmark can keep thousands of servers alive. Freed addresses are reused.
   */
  allocateIpv4(): string {
    const used = new Set([...this.servers.values()].map((s) => s.ipv4));
    for (let i = 0; i < IPV4_POOL_SIZE; i++) {
      const index = (this.nextIpHost + i) % IPV4_POOL_SIZE;
      const ip = ipv4At(index);
      if (!used.has(ip)) {
        this.nextIpHost = index + 1;
        return ip;
      }
    }
    throw new Error(`sandbox: IPv4 pool exhausted (more than ${IPV4_POOL_SIZE} live servers)`);
  }

  /** A /64 from 2001:db8::/32 (documentation prefix). */
  allocateIpv6(): string {
    const n = this.nextV6Net++;
    return `2001:db8:${(n & 0xffff).toString(16)}::/64`;
  }

  recordId(): string {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Buffer.from(bytes).toString('hex');
  }

  countRequest(key: string): void {
    this.requests[key] = (this.requests[key] ?? 0) + 1;
  }

  clear(): void {
    this.servers.clear();
    this.actions.clear();
    this.images.clear();
    this.sshKeys.clear();
    this.firewalls.clear();
    this.unavailableLocations.clear();
    this.dnsRecords.clear();
    this.messages = [];
    this.callbacks = [];
    this.requests = {};
    this.healthChecks = {};
    this.alerts = [];
    this.alertRefusals = { remaining: 0, status: 500 };
  }

  countHealthCheck(key: string): void {
    this.healthChecks[key] = (this.healthChecks[key] ?? 0) + 1;
  }
}

const DOCUMENTATION_NETS = ['203.0.113', '198.51.100', '192.0.2'];
/** 3 × 254 documentation addresses, then 100.64.0.0/10 without .0 and .255 hosts. */
const IPV4_POOL_SIZE = DOCUMENTATION_NETS.length * 254 + 64 * 256 * 254;

function ipv4At(index: number): string {
  if (index < DOCUMENTATION_NETS.length * 254) return `${DOCUMENTATION_NETS[Math.floor(index / 254)]}.${(index % 254) + 1}`;
  const rest = index - DOCUMENTATION_NETS.length * 254;
  const host = (rest % 254) + 1;
  const block = Math.floor(rest / 254);
  return `100.${64 + Math.floor(block / 256)}.${block % 256}.${host}`;
}
