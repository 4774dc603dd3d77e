// What activities need from the outside world; the worker wires real clients, tests wire the sandbox.
import type { Transporter } from 'nodemailer';
import type { Catalog } from '../config/catalog';
import type { Database } from '../schema/db';
import type { CloudflareDns } from './cloudflare-client';
import type { HetznerClient } from './hetzner-client';

export interface ActivityDeps {
  db: Database;
  hetzner: HetznerClient;
  dns: CloudflareDns;
  mail: { transport: Transporter; from: string };
  /** The outgoing webhook; signed with its own secret, never the inbound key pair. */
  billing: { url: string | undefined; webhookSecret: string | undefined; timeoutMs?: number };
  /** Base URL the VPS calls back (`<api>/api/instances/<id>/ready`). */
  apiPublicUrl: string;
  callbackSecret: string;
  domain: string;
  catalog: Catalog;
  /** How often waits re-read a Hetzner action or server (tests use a few ms). */
  pollIntervalMs: number;
}
