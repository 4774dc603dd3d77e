// Payload encryption keys from the environment. Every key decrypts; the active one encrypts, so a
// key can rotate while workflows that started under the old one still run. Misconfiguration is a
// refusal to start, never a silent fall-back to plaintext.
import { readFileSync } from 'node:fs';

export interface PayloadEncryptionKeys {
  /** Key id → 32-byte AES-256 key. */
  keys: ReadonlyMap<string, Buffer>;
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_BYTES = 32;

export type PayloadEncryptionEnv = Partial<
  Record<'PAYLOAD_ENCRYPTION_KEYS' | 'PAYLOAD_ENCRYPTION_KEYS_FILE' | 'PAYLOAD_ENCRYPTION_ACTIVE_KEY', string>
>;

/**
 * `PAYLOAD_ENCRYPTION_KEYS=id1:base64,id2:base64` (or the same list in the file named by
 * `PAYLOAD_ENCRYPTION_KEYS_FILE`, e.g. a mounted secret) and `PAYLOAD_ENCRYPTION_ACTIVE_KEY=id2`.
 * Nothing set: encryption off. Returns every problem at once, as config/env.ts does.
 */
export function parsePayloadEncryption(env: PayloadEncryptionEnv): { keys?: PayloadEncryptionKeys; problems: string[] } {
  const inline = env.PAYLOAD_ENCRYPTION_KEYS?.trim();
  const file = env.PAYLOAD_ENCRYPTION_KEYS_FILE?.trim();
  const active = env.PAYLOAD_ENCRYPTION_ACTIVE_KEY?.trim();
  if (!inline && !file) {
    return active
      ? { problems: ['PAYLOAD_ENCRYPTION_ACTIVE_KEY: set without PAYLOAD_ENCRYPTION_KEYS (or _FILE); refusing to run unencrypted'] }
      : { problems: [] };
  }
  if (inline && file) return { problems: ['PAYLOAD_ENCRYPTION_KEYS and PAYLOAD_ENCRYPTION_KEYS_FILE: set one, not both'] };

  let list = inline ?? '';
  const source = file ? 'PAYLOAD_ENCRYPTION_KEYS_FILE' : 'PAYLOAD_ENCRYPTION_KEYS';
  if (file) {
    try {
      list = readFileSync(file, 'utf8').trim();
    } catch (error) {
      return { problems: [`PAYLOAD_ENCRYPTION_KEYS_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`] };
    }
  }

  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  // Entries may be split by commas or lines (a file with one key per line reads naturally).
  for (const entry of list.split(/[,\n]/).map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    // Never echo key material in a message: only the id, or the entry's position.
    if (!KEY_ID.test(id)) {
      problems.push(`${source}: expected id:base64key entries with ids of letters, digits, . _ - (entry ${keys.size + 1} has none)`);
      continue;
    }
    const key = decodeBase64Strict(entry.slice(at + 1));
    if (!key || key.length !== KEY_BYTES) {
      problems.push(`${source}: key "${id}" must be ${KEY_BYTES} bytes of base64 (e.g. \`openssl rand -base64 32\`)`);
      continue;
    }
    if (keys.has(id)) {
      problems.push(`${source}: key id "${id}" appears twice`);
      continue;
    }
    keys.set(id, key);
  }
  if (keys.size === 0 && problems.length === 0) problems.push(`${source}: holds no key`);

  // With several keys the active one must be named: guessing would pick the wrong one mid-rotation.
  const activeKeyId = active || (keys.size === 1 ? [...keys.keys()][0] : undefined);
  if (!activeKeyId && keys.size > 1) problems.push('PAYLOAD_ENCRYPTION_ACTIVE_KEY: required with more than one key (the id new payloads are encrypted with)');
  else if (activeKeyId && keys.size > 0 && !keys.has(activeKeyId)) problems.push(`PAYLOAD_ENCRYPTION_ACTIVE_KEY: "${activeKeyId}" is not one of the ids in ${source} (${[...keys.keys()].join(', ')})`);

  return problems.length > 0 || !activeKeyId ? { problems } : { keys: { keys, activeKeyId }, problems };
}

/** For processes that read nothing else from the environment (codec server, bench, test harness). */
export function loadPayloadEncryption(env: PayloadEncryptionEnv = process.env): PayloadEncryptionKeys | undefined {
  const { keys, problems } = parsePayloadEncryption(env);
  if (problems.length > 0) throw new Error(`Hostflow cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return keys;
}

/** The settings a child process needs to encrypt as its parent does (passed through unchanged). */
export function payloadEncryptionEnv(env: PayloadEncryptionEnv): PayloadEncryptionEnv {
  const names = ['PAYLOAD_ENCRYPTION_KEYS', 'PAYLOAD_ENCRYPTION_KEYS_FILE', 'PAYLOAD_ENCRYPTION_ACTIVE_KEY'] as const;
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]]));
}

/** Buffer.from(…, 'base64') skips junk silently; a typo in a key must not become a different key. */
function decodeBase64Strict(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return undefined;
  return Buffer.from(trimmed, 'base64');
}
