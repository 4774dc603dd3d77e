// Rebuild, reset_password and backups through the action lifecycle, with the last root password
// kept in the sandbox state only; resource_unavailable on demand for a location.

import type { Sandbox } from '../../sandbox';
import { FIXTURE_KEYS, raw, testSandbox, waitFor } from './helpers';

let sandbox: Sandbox;

beforeAll(async () => {
  // Boots take a second here, so the moment after a rebuild, before cloud-init has run again, can be
  // seen even on a loaded machine (with the helpers' 10 ms it was sometimes already over).
  sandbox = await testSandbox({ vmMode: 'never', bootDelayMs: 1_000 });
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

let seq = 0;
async function runningServer(extra: Record<string, unknown> = {}) {
  const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name: `mx-${++seq}`, server_type: 'cpx22', image: 'ubuntu-24.04', ...extra });
  expect(res.status).toBe(201);
  const id = res.body.server.id as number;
  await waitFor(async () => {
    const s = (await raw(`${sandbox.hetznerUrl}/servers/${id}`)).body.server;
    return s.status === 'running' && !s.locked ? true : undefined;
  }, 'running');
  return { id, rootPassword: res.body.root_password as string | null };
}

const act = (id: number, action: string, body?: unknown) => raw(`${sandbox.hetznerUrl}/servers/${id}/actions/${action}`, 'POST', body);
const finished = (actionId: number) =>
  waitFor(async () => {
    const a = (await raw(`${sandbox.hetznerUrl}/actions/${actionId}`)).body.action;
    return a.status === 'running' ? undefined : a;
  }, `action ${actionId}`);
const stateOf = (id: number) => sandbox.state().servers.find((s) => s['id'] === id) ?? {};

describe('server maintenance actions', () => {
  test('rebuild answers 201 {action, root_password} and ends running with the new image and a new password', async () => {
    const { id, rootPassword } = await runningServer();
    expect(stateOf(id)['root_password']).toMatchObject({ value: rootPassword, via: 'create' });
    const res = await act(id, 'rebuild', { image: 'debian-12' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['action', 'root_password']);
    expect(res.body.action).toMatchObject({ command: 'rebuild_server', status: 'running', resources: [{ id, type: 'server' }] });
    expect(typeof res.body.root_password).toBe('string');
    expect(res.body.root_password).not.toBe(rootPassword);
    expect(await finished(res.body.action.id)).toMatchObject({ status: 'success' });
    expect((await raw(`${sandbox.hetznerUrl}/servers/${id}`)).body.server).toMatchObject({ status: 'running', image: { name: 'debian-12' } });
    expect(stateOf(id)['root_password']).toMatchObject({ value: res.body.root_password, via: 'rebuild' });
  });

  test('rebuild from a snapshot by id; a server with SSH keys gets no password; unknown images are refused', async () => {
    const key = (await raw(`${sandbox.hetznerUrl}/ssh_keys`, 'POST', { name: 'k', public_key: FIXTURE_KEYS.ed25519.line })).body.ssh_key;
    const { id } = await runningServer({ ssh_keys: [key.id] });
    const snap = await act(id, 'create_image', { type: 'snapshot', description: 'restore point' });
    await finished(snap.body.action.id);
    const res = await act(id, 'rebuild', { image: snap.body.image.id });
    expect(res.body.root_password).toBeNull();
    await finished(res.body.action.id);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${id}`)).body.server.image).toMatchObject({ id: snap.body.image.id, type: 'snapshot' });
    expect(stateOf(id)['root_password']).toBeNull();

    for (const image of [999, 'windows-95', undefined]) {
      const refused = await act(id, 'rebuild', image === undefined ? {} : { image });
      expect([refused.status, refused.body.error.code, refused.body.error.details.fields[0].name]).toEqual([422, 'invalid_input', 'image']);
    }
  });

  test('rebuild takes new user data (or keeps the old) and cloud-init runs again', async () => {
    const { id } = await runningServer({ user_data: '#cloud-config\nhostname: one\n' });
    await waitFor(() => stateOf(id)['cloud_init_done'] === true || undefined, 'first boot');
    const keep = await act(id, 'rebuild', { image: 'ubuntu-24.04' });
    expect(stateOf(id)['cloud_init_done']).toBe(true);
    await finished(keep.body.action.id);
    expect(stateOf(id)).toMatchObject({ user_data: '#cloud-config\nhostname: one\n', cloud_init_done: false });
    await waitFor(() => stateOf(id)['cloud_init_done'] === true || undefined, 'boot after rebuild');
    const fresh = await act(id, 'rebuild', { image: 'ubuntu-24.04', user_data: '#cloud-config\nhostname: two\n' });
    await finished(fresh.body.action.id);
    expect(stateOf(id)['user_data']).toBe('#cloud-config\nhostname: two\n');
    expect((await act(id, 'rebuild', { image: 'ubuntu-24.04', user_data: 'x'.repeat(32 * 1024 + 1) })).body.error.details.fields[0].name).toBe('user_data');
  });

  test('reset_password answers the new password; it takes effect on a running server and fails on one that is off', async () => {
    const { id } = await runningServer();
    const res = await act(id, 'reset_password');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ action: expect.objectContaining({ command: 'reset_password', status: 'running' }), root_password: expect.any(String) });
    expect(await finished(res.body.action.id)).toMatchObject({ status: 'success' });
    expect(stateOf(id)['root_password']).toMatchObject({ value: res.body.root_password, via: 'reset_password' });

    await finished((await act(id, 'poweroff')).body.action.id);
    const off = await act(id, 'reset_password');
    expect(await finished(off.body.action.id)).toMatchObject({ status: 'error', error: { code: 'action_failed' } });
    expect(stateOf(id)['root_password']).toMatchObject({ value: res.body.root_password });
  });

  test('enable_backup sets backup_window once the action finishes; disable_backup clears it', async () => {
    const { id } = await runningServer();
    const on = await act(id, 'enable_backup', { backup_window: '22-02' });
    expect([on.status, on.body.action.command]).toEqual([201, 'enable_backup']);
    await finished(on.body.action.id);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${id}`)).body.server.backup_window).toBe('22-02');
    const off = await act(id, 'disable_backup');
    await finished(off.body.action.id);
    expect((await raw(`${sandbox.hetznerUrl}/servers/${id}`)).body.server.backup_window).toBeNull();
    expect(stateOf(id)['backup_window']).toBeNull();
  });
});

describe('location capacity on demand', () => {
  const create = (name: string, location: string, serverType = 'cpx22') =>
    raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name, server_type: serverType, image: 'ubuntu-24.04', location });

  test('POST /__sandbox/locations/:name/unavailable makes creates there 412 resource_unavailable until DELETE', async () => {
    const set = await raw(`${sandbox.httpUrl}/__sandbox/locations/fsn1/unavailable`, 'POST', {}, null);
    expect(set.body).toEqual({ unavailable_locations: [{ location: 'fsn1', server_types: null }] });
    const refused = await create('cap-1', 'fsn1');
    expect([refused.status, refused.body.error]).toEqual([412, { code: 'resource_unavailable', message: 'error during placement', details: null }]);
    expect((await create('cap-1', 'nbg1')).status).toBe(201);
    expect(sandbox.state().unavailable_locations).toEqual([{ location: 'fsn1', server_types: null }]);
    await raw(`${sandbox.httpUrl}/__sandbox/locations/fsn1/unavailable`, 'DELETE', undefined, null);
    expect((await create('cap-2', 'fsn1')).status).toBe(201);
    expect(sandbox.state().servers.map((s) => (s['location'] as { name: string }).name)).toEqual(['nbg1', 'fsn1']);
  });

  test('can be limited to server types; unknown locations are 404 and reset() clears it', async () => {
    sandbox.setLocationUnavailable('hel1', true, ['cpx42']);
    expect((await create('t-1', 'hel1', 'cpx42')).status).toBe(412);
    expect((await create('t-1', 'hel1', 'cpx22')).status).toBe(201);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/locations/mars1/unavailable`, 'POST', {}, null)).status).toBe(404);
    expect((await raw(`${sandbox.httpUrl}/__sandbox/locations/fsn1/unavailable`, 'POST', { server_types: 'cpx22' }, null)).status).toBe(400);
    sandbox.reset();
    expect(sandbox.state().unavailable_locations).toEqual([]);
  });
});
