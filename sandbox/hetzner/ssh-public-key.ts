// OpenSSH public key lines ("ssh-ed25519 AAAA… comment") as Hetzner checks them, and the
// fingerprint it shows: MD5 of the decoded key blob, colon-separated lowercase hex
// (what `ssh-keygen -l -E md5` prints after "MD5:").

import { createHash } from 'node:crypto';

/** The key types Hetzner names in its refusal ("SSH key type is invalid (supported types: …)"). */
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-dss',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  fingerprint: string;
}

/** Parse one public key line; a string is the reason it is not one. */
export function parsePublicKey(line: unknown): ParsedPublicKey | string {
  if (typeof line !== 'string' || line.trim() === '') return 'is required';
  const parts = line.trim().split(/\s+/);
  const [type = '', data = ''] = parts;
  if (!SSH_KEY_TYPES.includes(type)) return `SSH key type is invalid (supported types: ${SSH_KEY_TYPES.join(', ')})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return 'SSH key is invalid';
  const blob = Buffer.from(data, 'base64');
  // The blob starts with the key type again, as a length-prefixed string.
  if (blob.length < 4) return 'SSH key is invalid';
  const nameLength = blob.readUInt32BE(0);
  if (nameLength > blob.length - 4 || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) return 'SSH key is invalid';
  if (blob.length === 4 + nameLength) return 'SSH key is invalid';
  return { type, blob, fingerprint: md5Fingerprint(blob) };
}

export function md5Fingerprint(blob: Buffer): string {
  return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}
