// Renders infra/cloud-init.yaml for one instance. The callback token is put in here, inside
// the activity, so it never passes through a workflow input, result or history.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const CLOUD_INIT_TEMPLATE = path.join(__dirname, '..', 'infra', 'cloud-init.yaml');
/** Hetzner refuses user_data over 32 KiB. */
export const MAX_USER_DATA_BYTES = 32 * 1024;
export const GATEWAY_PORT = 18789;

export interface CloudInitValues {
  instance_id: string;
  hostname: string;
  fqdn: string;
  callback_url: string;
  callback_token: string;
  /** Where the VPS reports an install whose gateway never came up. */
  failed_url: string;
  gateway_port: string;
  /** Comma list, for UFW: the same SSH sources as the Hetzner firewall. */
  ssh_allowed_cidrs: string;
}

let template: string | undefined;

export function renderCloudInit(values: CloudInitValues, source: string = (template ??= readFileSync(CLOUD_INIT_TEMPLATE, 'utf8'))): string {
  for (const [key, value] of Object.entries(values)) {
    if (!/^[A-Za-z0-9._:/@,-]+$/.test(value)) throw new Error(`cloud-init value ${key} has characters that would break the YAML`);
  }
  const rendered = source.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    const value = values[key as keyof CloudInitValues];
    if (value === undefined) throw new Error(`cloud-init template uses {{${key}}}, which Hostflow does not provide`);
    return value;
  });
  if (!rendered.startsWith('#cloud-config\n')) throw new Error('cloud-init user data must start with #cloud-config');
  const bytes = Buffer.byteLength(rendered, 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) throw new Error(`cloud-init user data is ${bytes} bytes; Hetzner accepts at most ${MAX_USER_DATA_BYTES}`);
  const parsed: unknown = parse(rendered);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('cloud-init user data is not a YAML mapping');
  return rendered;
}
