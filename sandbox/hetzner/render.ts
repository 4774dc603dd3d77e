// Store records → Hetzner JSON. Complete shapes on purpose: hcloud-js dereferences
// private_net, datacenter.location, server_type.prices and public_net.ipv6.dns_ptr unguarded.

import type { ActionRecord, FirewallRecord, ImageRecord, ServerRecord, SshKeyRecord, Store } from '../store';
import {
  LOCATIONS, SERVER_TYPES, SYSTEM_IMAGES,
  datacenterJson, locationJson, serverTypeJson, systemImageJson,
} from './catalog';

export function actionJson(a: ActionRecord) {
  return {
    id: a.id,
    command: a.command,
    status: a.status,
    progress: a.progress,
    started: a.started,
    finished: a.finished,
    resources: a.resources,
    error: a.error,
  };
}

export function imageJson(i: ImageRecord) {
  return {
    id: i.id,
    type: i.type,
    status: i.status,
    name: null,
    description: i.description,
    image_size: i.imageSize,
    disk_size: i.diskSize,
    created: i.created,
    created_from: i.createdFrom,
    bound_to: null,
    os_flavor: 'ubuntu',
    os_version: null,
    architecture: 'x86',
    rapid_deploy: false,
    protection: { delete: false },
    deprecated: null,
    deprecation: null,
    deleted: null,
    labels: i.labels,
  };
}

export function sshKeyJson(k: SshKeyRecord) {
  return { id: k.id, name: k.name, fingerprint: k.fingerprint, public_key: k.publicKey, labels: k.labels, created: k.created };
}

export function firewallJson(f: FirewallRecord) {
  return {
    id: f.id,
    name: f.name,
    labels: f.labels,
    created: f.created,
    rules: f.rules.map((r) => ({ ...r, source_ips: [...r.source_ips], destination_ips: [...r.destination_ips] })),
    applied_to: [...f.appliedTo.keys()].map((id) => ({ type: 'server', server: { id } })),
  };
}

/** A server's public_net.firewalls: every firewall applied (or being applied) to it. */
function serverFirewalls(serverId: number, firewalls: Store['firewalls']) {
  const out: Array<{ id: number; status: string }> = [];
  for (const f of firewalls.values()) {
    const status = f.appliedTo.get(serverId);
    if (status) out.push({ id: f.id, status });
  }
  return out;
}

function ipv4Ptr(ip: string): string {
  return `static.${ip.split('.').reverse().join('.')}.clients.your-server.de`;
}

export function serverJson(s: ServerRecord, locked: boolean, store: Pick<Store, 'images' | 'firewalls'>) {
  const images = store.images;
  const type = SERVER_TYPES.find((t) => t.name === s.serverType);
  const loc = LOCATIONS.find((l) => l.name === s.location);
  if (!type || !loc) throw new Error(`sandbox: server ${s.id} has unknown type/location`);
  let image: unknown = null;
  if (s.image.kind === 'system') {
    const name = s.image.name;
    const spec = SYSTEM_IMAGES.find((i) => i.name === name);
    image = spec ? systemImageJson(spec) : null;
  } else {
    const snap = images.get(s.image.id);
    image = snap ? imageJson(snap) : null;
  }
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    created: s.created,
    public_net: {
      ipv4: { id: s.ipv4Id, ip: s.ipv4, blocked: false, dns_ptr: ipv4Ptr(s.ipv4) },
      ipv6: { id: s.ipv6Id, ip: s.ipv6, blocked: false, dns_ptr: [] },
      floating_ips: [],
      firewalls: serverFirewalls(s.id, store.firewalls),
    },
    private_net: [],
    server_type: serverTypeJson(type),
    datacenter: datacenterJson(loc),
    location: locationJson(loc),
    image,
    iso: null,
    rescue_enabled: false,
    locked,
    backup_window: s.backupWindow,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    labels: s.labels,
    volumes: [],
    load_balancers: [],
    primary_disk_size: s.primaryDiskSize,
    placement_group: null,
  };
}
