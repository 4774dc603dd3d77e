// /v1/ssh_keys at wire fidelity: shapes, Hetzner's MD5 fingerprints, uniqueness, filters, and
// server create refusing keys the project does not have.

import type { Sandbox } from '../../sandbox';
import { FIXTURE_KEYS, ed25519KeyLine, raw, testSandbox } from './helpers';

let sandbox: Sandbox;
let url: string;

beforeAll(async () => {
  sandbox = await testSandbox({ vmMode: 'never' });
  url = `${sandbox.hetznerUrl}/ssh_keys`;
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

const createKey = (body: Record<string, unknown>) => raw(url, 'POST', body);

describe('/v1/ssh_keys', () => {
  test('create answers 201 {ssh_key} with the MD5 fingerprint ssh-keygen prints', async () => {
    const res = await createKey({ name: 'alice', public_key: FIXTURE_KEYS.ed25519.line, labels: { customer: 'c-1' } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['ssh_key']);
    expect(res.body.ssh_key).toEqual({
      id: expect.any(Number), name: 'alice', fingerprint: FIXTURE_KEYS.ed25519.md5,
      public_key: FIXTURE_KEYS.ed25519.line, labels: { customer: 'c-1' }, created: expect.any(String),
    });
    const rsa = await createKey({ name: 'bob', public_key: FIXTURE_KEYS.rsa.line });
    expect(rsa.body.ssh_key).toMatchObject({ fingerprint: FIXTURE_KEYS.rsa.md5, labels: {} });
    expect(sandbox.state().ssh_keys).toHaveLength(2);
  });

  test('a duplicate name or the same key under another name is 409 uniqueness_error', async () => {
    await createKey({ name: 'alice', public_key: FIXTURE_KEYS.ed25519.line });
    const sameKey = await createKey({ name: 'alice-2', public_key: FIXTURE_KEYS.ed25519.line.replace('fixture@hostflow', 'other comment') });
    expect(sameKey.status).toBe(409);
    expect(sameKey.body.error).toMatchObject({ code: 'uniqueness_error', details: { fields: [{ name: 'public_key' }] } });
    const sameName = await createKey({ name: 'alice', public_key: FIXTURE_KEYS.rsa.line });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error).toMatchObject({ code: 'uniqueness_error', details: { fields: [{ name: 'name' }] } });
    expect(sandbox.state().ssh_keys).toHaveLength(1);
  });

  test('anything but an OpenSSH public key line is 422 invalid_input on public_key', async () => {
    const line = FIXTURE_KEYS.ed25519.line;
    for (const bad of ['not a key', 'ssh-ed25519', 'ssh-foo AAAA', `ssh-rsa ${line.split(' ')[1]}`, 'ssh-ed25519 !!!notbase64', '', 42]) {
      const res = await createKey({ name: 'x', public_key: bad });
      expect([res.status, res.body.error.code, res.body.error.details.fields[0].name]).toEqual([422, 'invalid_input', 'public_key']);
    }
    expect((await createKey({ public_key: line })).body.error.details.fields[0].name).toBe('name');
    expect(sandbox.state().ssh_keys).toEqual([]);
  });

  test('lists by name, fingerprint and label selector, with pagination', async () => {
    const a = (await createKey({ name: 'a', public_key: FIXTURE_KEYS.ed25519.line, labels: { customer: 'c-1' } })).body.ssh_key;
    const b = (await createKey({ name: 'b', public_key: FIXTURE_KEYS.rsa.line, labels: { customer: 'c-2' } })).body.ssh_key;
    for (let i = 0; i < 3; i++) await createKey({ name: `k${i}`, public_key: ed25519KeyLine(), labels: { customer: 'c-2' } });
    const ids = async (q: string) => (await raw(`${url}?${q}`)).body.ssh_keys.map((k: { id: number }) => k.id);
    expect(await ids('name=a')).toEqual([a.id]);
    expect(await ids(`fingerprint=${encodeURIComponent(b.fingerprint)}`)).toEqual([b.id]);
    expect(await ids('fingerprint=00:00')).toEqual([]);
    expect(await ids('label_selector=customer%3Dc-1')).toEqual([a.id]);
    const page = await raw(`${url}?label_selector=customer%3Dc-2&per_page=2&sort=id:desc`);
    expect(page.body.ssh_keys).toHaveLength(2);
    expect(page.body.meta.pagination).toMatchObject({ page: 1, per_page: 2, next_page: 2, last_page: 2, total_entries: 4 });
    expect((await raw(`${url}?label_selector=${encodeURIComponent('customer in (c-1')}`)).status).toBe(422);
  });

  test('get, update (name, labels) and delete; 404 not_found afterwards', async () => {
    const key = (await createKey({ name: 'a', public_key: FIXTURE_KEYS.ed25519.line })).body.ssh_key;
    expect((await raw(`${url}/${key.id}`)).body).toEqual({ ssh_key: key });
    const updated = await raw(`${url}/${key.id}`, 'PUT', { name: 'renamed', labels: { role: 'admin' } });
    expect(updated.body.ssh_key).toMatchObject({ id: key.id, name: 'renamed', labels: { role: 'admin' }, fingerprint: key.fingerprint });
    const del = await raw(`${url}/${key.id}`, 'DELETE');
    expect([del.status, del.body]).toEqual([204, null]);
    const gone = await raw(`${url}/${key.id}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
    expect((await raw(`${url}/${key.id}`, 'DELETE')).status).toBe(404);
  });

  test('server create takes key ids or names, stores the ids, sends no root password; unknown keys are refused', async () => {
    const a = (await createKey({ name: 'a', public_key: FIXTURE_KEYS.ed25519.line })).body.ssh_key;
    const b = (await createKey({ name: 'b', public_key: FIXTURE_KEYS.rsa.line })).body.ssh_key;
    const server = { server_type: 'cpx22', image: 'ubuntu-24.04' };
    const created = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { ...server, name: 'keyed', ssh_keys: [a.id, 'b'] });
    expect(created.status).toBe(201);
    expect(created.body.root_password).toBeNull();
    expect(sandbox.state().servers[0]).toMatchObject({ name: 'keyed', ssh_key_ids: [a.id, b.id], root_password: null });

    for (const refs of [[999_999], ['nobody'], [a.id, 'nobody']]) {
      const refused = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { ...server, name: 'refused', ssh_keys: refs });
      expect([refused.status, refused.body.error.code, refused.body.error.details.fields[0].name]).toEqual([422, 'invalid_input', 'ssh_keys']);
    }
    expect(sandbox.state().servers.map((s) => s['name'])).toEqual(['keyed']);
    // Deleting a stored key leaves the server as it was.
    await raw(`${url}/${a.id}`, 'DELETE');
    expect(sandbox.state().servers[0]?.['ssh_key_ids']).toEqual([a.id, b.id]);
  });
});
