// The payload codec: AES-256-GCM over each whole serialised payload (its metadata too, so even the
// original encoding is hidden), with the key id in the outer payload's metadata. Runs in the client
// and the worker, outside workflow code; the Temporal server only ever stores ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadEncryptionKeys } from './payload-encryption';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: never handed on as if it were data. */
export class PayloadDecryptionError extends ValueError {}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly encryption: PayloadEncryptionKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.encryption.activeKeyId;
    const key = this.key(keyId);
    return payloads.map((payload) => ({
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(keyId) },
      data: encrypt(temporal.api.common.v1.Payload.encode(payload).finish(), key, keyId),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Histories recorded before encryption was turned on stay readable.
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[METADATA_KEY_ID]);
      if (!keyId) throw new PayloadDecryptionError(`encrypted payload without "${METADATA_KEY_ID}" metadata`);
      const plain = decrypt(payload.data ?? new Uint8Array(), this.key(keyId), keyId);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }

  private key(keyId: string): Buffer {
    const key = this.encryption.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with key "${keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS (known: ${[...this.encryption.keys.keys()].join(', ')}); a retired key must stay listed until no running workflow holds payloads encrypted with it`,
      );
    }
    return key;
  }
}

/** iv ‖ ciphertext ‖ tag. The key id is authenticated too, so a payload cannot be relabelled. */
function encrypt(plain: Uint8Array, key: Buffer, keyId: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES }).setAAD(utf8(keyId));
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(sealed: Uint8Array, key: Buffer, keyId: string): Buffer {
  const bytes = Buffer.from(sealed);
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") is truncated`);
  const decipher = createDecipheriv(CIPHER, key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES }).setAAD(utf8(keyId));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadDecryptionError(`encrypted payload (key "${keyId}") failed authentication: altered, or the key "${keyId}" is not the one it was encrypted with`);
  }
}

const utf8 = (value: string) => Buffer.from(value, 'utf8');
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
