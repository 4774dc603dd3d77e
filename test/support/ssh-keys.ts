// Real OpenSSH public key lines for tests, made fresh each time (no key material in the repo).
import { generateKeyPairSync } from 'node:crypto';

/** "ssh-ed25519 <base64 blob> <comment>", as `ssh-keygen -t ed25519` writes a .pub file. */
export function sshKeyLine(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ${comment}`;
}
