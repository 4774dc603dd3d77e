// In-memory records of every simulated resource. Ids keep counting across reset() so a stale id
// held by a test or a workflow never silently points at a newer resource.

import type { CallbackAttempt, StoredMessage, VmMode } from './types';

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
  sshKeys: Array<number | string>;
  /** cloud-init runs once per server, on the first boot that reaches 'running'. */
  cloudInitDone: boolean;
  vmMode: VmMode | null;
  ignoreAcpi: boolean | null;
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

export class Store {
  servers = new Map<number, ServerRecord>();
  actions = new Map<number, ActionRecord>();
  images = new Map<number, ImageRecord>();
  dnsRecords = new Map<string, DnsRecord>();
  messages: StoredMessage[] = [];
  callbacks: CallbackAttempt[] = [];
  requests: Record<string, number> = {};

  private nextServerId = 1_000_001;
  private nextActionId = 5_000_001;
  private nextImageId = 300_000_001;
  private nextIpId = 40_000_001;
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

  /** An unused address in 203.0.113.0/24 (TEST-NET-3, never routed). */
  allocateIpv4(): string {
    const used = new Set([...this.servers.values()].map((s) => s.ipv4));
    for (let i = 0; i < 254; i++) {
      const host = ((this.nextIpHost + i) % 254) + 1;
      const ip = `203.0.113.${host}`;
      if (!used.has(ip)) {
        this.nextIpHost = host;
        return ip;
      }
    }
    throw new Error('sandbox: 203.0.113.0/24 exhausted (more than 254 servers)');
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
    this.dnsRecords.clear();
    this.messages = [];
    this.callbacks = [];
    this.requests = {};
  }
}
