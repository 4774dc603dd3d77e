// The payload codec: what the Temporal server stores is ciphertext under a named key, any known
// key decrypts, and nothing it cannot decrypt is ever handed on as data.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, PayloadDecryptionError } from '../../config/encryption-codec';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);
const codec = (active: string, keys: Record<string, Buffer>) => new EncryptionCodec({ keys: new Map(Object.entries(keys)), activeKeyId: active });
const customer = { email: 'alice@example.com', hostname: 'alice-box', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 alice@laptop'] };
const plain = (): Payload[] => [defaultPayloadConverter.toPayload(customer), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3]))];
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
/** Compares bytes as bytes: decoded payloads come back as protobuf messages holding Buffers. */
const bytesOf = (payloads: Payload[]) =>
  payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('hex')])), data: Buffer.from(p.data ?? []).toString('hex') }));

describe('the AES-256-GCM payload codec', () => {
  it('round-trips payloads of every encoding, storing only ciphertext under the active key id', async () => {
    const a = codec('A', { A: keyA });
    const encoded = await a.encode(plain());
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe('binary/encrypted');
      expect(text(payload.metadata?.['encryption-key-id'])).toBe('A');
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
      for (const secret of ['alice@example.com', 'alice-box', 'ssh-ed25519', 'json/plain']) expect(text(payload.data)).not.toContain(secret);
    }
    expect(bytesOf(await a.decode(encoded))).toEqual(bytesOf(plain()));
    expect(defaultPayloadConverter.fromPayload((await a.decode(encoded))[0]!)).toEqual(customer);
  });

  it('encrypts the same value differently each time (a fresh IV per payload)', async () => {
    const a = codec('A', { A: keyA });
    const [first, second] = await a.encode([plain()[0]!, plain()[0]!]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('rotates: with B active and A still known, payloads from both decode, and new ones use B', async () => {
    const underA = await codec('A', { A: keyA }).encode(plain());
    const rotated = codec('B', { A: keyA, B: keyB });
    const underB = await rotated.encode(plain());
    expect(underB.map((p) => text(p.metadata?.['encryption-key-id']))).toEqual(['B', 'B', 'B']);
    expect(bytesOf(await rotated.decode([...underA, ...underB]))).toEqual(bytesOf([...plain(), ...plain()]));
  });

  it('passes unencrypted payloads through on decode (histories from before encryption)', async () => {
    expect(bytesOf(await codec('A', { A: keyA }).decode(plain()))).toEqual(bytesOf(plain()));
  });

  it('fails loudly on a payload encrypted with a key it does not know', async () => {
    const underA = await codec('A', { A: keyA }).encode(plain());
    const onlyB = codec('B', { B: keyB });
    await expect(onlyB.decode(underA)).rejects.toThrow(PayloadDecryptionError);
    await expect(onlyB.decode(underA)).rejects.toThrow(/key "A", which is not in PAYLOAD_ENCRYPTION_KEYS \(known: B\)/);
  });

  it('fails on altered ciphertext, a relabelled key id, a truncated payload or a missing key id', async () => {
    const both = codec('A', { A: keyA, B: keyB });
    const [sealed] = await both.encode([plain()[0]!]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 0xff;
    await expect(both.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/key "A"\) failed authentication/);
    const relabelled = { ...sealed, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('B') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/key "B"\) failed authentication/);
    await expect(both.decode([{ ...sealed, data: Buffer.from(sealed!.data!).subarray(0, 10) }])).rejects.toThrow(/truncated/);
    await expect(both.decode([{ metadata: { encoding: Buffer.from('binary/encrypted') }, data: sealed!.data! }])).rejects.toThrow(/without "encryption-key-id"/);
  });
});
