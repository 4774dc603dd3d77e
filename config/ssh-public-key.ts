// OpenSSH public key lines ("ssh-ed25519 AAAA… comment"): checked by the API before anything
// starts, and fingerprinted by the activities the way Hetzner shows a stored key — MD5 of the
// decoded key blob, colon-separated lowercase hex (`ssh-keygen -l -E md5` without "MD5:").
import { createHash } from 'node:crypto';

/** The key types Hetzner accepts in /v1/ssh_keys. */
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

export interface PublicKey {
  type: string;
  /** The normalised line: type, base64 blob and comment separated by one space. */
  line: string;
  fingerprint: string;
}

/** The key, or why the line is not one. */
export function parsePublicKey(line: string): PublicKey | string {
  // One line of printable ASCII: a key ends up in cloud-init's YAML and in Hetzner's API.
  if (!/^[\x20-\x7e]{1,8192}$/.test(line)) return 'expected one line of printable ASCII';
  const [type = '', data = '', ...comment] = line.trim().split(/ +/);
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) return `unknown key type (expected one of ${SSH_KEY_TYPES.join(', ')})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) return 'the key is not valid base64';
  const blob = Buffer.from(data, 'base64');
  // The blob starts with the key type again, as a length-prefixed string, followed by the key.
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (nameLength < 0 || nameLength > blob.length - 4 || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    return `the key's data does not hold a ${type} key`;
  }
  if (blob.length === 4 + nameLength) return 'the key has no key material';
  const text = comment.join(' ');
  if (text.length > 200) return 'the comment is longer than 200 characters';
  return { type, line: [type, data, ...(text ? [text] : [])].join(' '), fingerprint: md5Fingerprint(blob) };
}

export function md5Fingerprint(blob: Buffer): string {
  return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}
