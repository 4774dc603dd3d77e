// The codec server speaks Temporal's codec server protocol to the Web UI and the CLI: proto3 JSON
// payloads in and out, CORS for the UI's origin only, and a bearer token when one is configured.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import request from 'supertest';
import { createCodecServerApp } from '../../codec-server/app';
import { EncryptionCodec } from '../../config/encryption-codec';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-token-0123456789';
const codec = new EncryptionCodec({ keys: new Map([['k1', Buffer.alloc(32, 7)]]), activeKeyId: 'k1' });
const open = createCodecServerApp({ codec, corsOrigins: [UI], logger: pino({ level: 'silent' }) });
const guarded = createCodecServerApp({ codec, corsOrigins: [UI], token: TOKEN, logger: pino({ level: 'silent' }) });

/** A payload as the Web UI sends it: every bytes field base64. */
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const valueOf = (json: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(json.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(json.data, 'base64'),
  });
const input = { email: 'alice@example.com', hostname: 'alice-box' };

describe('the codec server', () => {
  it('decodes encrypted payloads and passes plaintext through, at /decode and /{namespace}/decode', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(input)]);
    const plain = defaultPayloadConverter.toPayload('not encrypted');
    for (const path of ['/decode', '/default/decode']) {
      const answer = await request(open).post(path).set('X-Namespace', 'default').send({ payloads: [toJson(sealed!), toJson(plain)] });
      expect(answer.status).toBe(200);
      expect(answer.body.payloads.map(valueOf)).toEqual([input, 'not encrypted']);
    }
  });

  it('encodes what it is given, which then decodes back (the UI encodes a signal an operator sends)', async () => {
    const encoded = await request(open).post('/encode').send({ payloads: [toJson(defaultPayloadConverter.toPayload(input))] });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.body.payloads[0].data, 'base64').toString('latin1')).not.toContain('alice');
    const decoded = await request(open).post('/decode').send(encoded.body);
    expect(decoded.body.payloads.map(valueOf)).toEqual([input]);
  });

  it('answers the Web UI\'s preflight and requests with CORS headers for its origin only', async () => {
    const preflight = await request(guarded)
      .options('/decode')
      .set('Origin', UI)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace,authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type,x-namespace,authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');

    const answer = await request(open).post('/decode').set('Origin', UI).send({ payloads: [] });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ payloads: [] });
    expect(answer.headers['access-control-allow-origin']).toBe(UI);
    const elsewhere = await request(open).post('/decode').set('Origin', 'https://evil.example').send({ payloads: [] });
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a missing or wrong bearer token when one is configured', async () => {
    const body = { payloads: [] };
    expect((await request(guarded).post('/decode').send(body)).status).toBe(401);
    const wrong = await request(guarded).post('/decode').set('Authorization', 'Bearer not-the-token').set('Origin', UI).send(body);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    // The browser still learns why (the CORS headers are on the refusal too).
    expect(wrong.headers['access-control-allow-origin']).toBe(UI);
    expect((await request(guarded).post('/encode').set('Authorization', `Bearer ${TOKEN}x`).send(body)).status).toBe(401);
    expect((await request(guarded).post('/decode').set('Authorization', `Bearer ${TOKEN}`).send(body)).status).toBe(200);
  });

  it('answers 400, not 500 or a guess, for payloads it cannot decode and bodies it cannot read', async () => {
    const otherKey = new EncryptionCodec({ keys: new Map([['k9', Buffer.alloc(32, 9)]]), activeKeyId: 'k9' });
    const [foreign] = await otherKey.encode([defaultPayloadConverter.toPayload(input)]);
    const unknown = await request(open).post('/decode').send({ payloads: [toJson(foreign!)] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/key "k9", which is not in PAYLOAD_ENCRYPTION_KEYS/);
    expect((await request(open).post('/decode').send({ nope: 1 })).status).toBe(400);
    expect((await request(open).post('/decode').send({ payloads: [{ data: '!!not base64' }] })).status).toBe(400);
    expect((await request(open).post('/decode').set('Content-Type', 'application/json').send('{broken')).status).toBe(400);
    expect((await request(open).get('/decode')).status).toBe(404);
  });
});
