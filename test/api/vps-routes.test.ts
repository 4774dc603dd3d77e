// The VPS routes: rebuild, reset-password, snapshots and the `failed` callback. Every bad input is a
// 4xx in the envelope and starts nothing (no signal reaches Temporal); good ones queue an operation.
import request from 'supertest';
import { callbackToken } from '../../config/callback-token';
import { snapshots } from '../../schema/tables';
import { operationWorkflowId, provisionWorkflowId } from '../../workflows/ids';
import { FIXTURE_KEYS } from '../sandbox/helpers';
import { createBody, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => h.client.reset());

async function runningInstance(): Promise<string> {
  const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  const id = res.body.id as string;
  await setStatus(h.db.handle, id, 'running');
  await h.db.handle.sql`update operations set status = 'succeeded' where instance_id = ${id}`;
  h.client.reset();
  return id;
}

async function addSnapshot(instanceId: string, imageId: number): Promise<void> {
  await h.db.handle.db.insert(snapshots).values({ imageId, instanceId, description: `snap ${imageId}`, sizeGb: 1.5, createdAt: new Date() });
}

const expectNothingStarted = () => expect(h.client.signals).toEqual([]);

describe('POST /api/instances ssh_keys', () => {
  it('accepts real key lines and refuses one that is not a key, naming ssh_keys.N', async () => {
    await signed(h.app, 'post', '/api/instances', createBody({ ssh_keys: [FIXTURE_KEYS.ed25519.line, FIXTURE_KEYS.rsa.line] })).expect(202);
    h.client.reset();
    // ssh-rsa type, but the data holds an ed25519 key.
    const mislabelled = FIXTURE_KEYS.ed25519.line.replace('ssh-ed25519', 'ssh-rsa');
    for (const bad of [mislabelled, 'ssh-ed25519 AAAA', 'ssh-ed25519 not*base64', 'ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIDaDrqQ7tz5HK2URRMfSGqk4fdotO29GsshgDE6+3yDL']) {
      const res = await signed(h.app, 'post', '/api/instances', createBody({ ssh_keys: [FIXTURE_KEYS.ed25519.line, bad] })).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details[0].path).toBe('ssh_keys.1');
    }
    expect(h.client.starts).toEqual([]);
  });
});

describe('backups', () => {
  it('the workflow input asks for backups on plans that include them (enterprise by default) only', async () => {
    await signed(h.app, 'post', '/api/instances', createBody({ plan: 'enterprise' })).expect(202);
    await signed(h.app, 'post', '/api/instances', createBody({ plan: 'starter' })).expect(202);
    const specs = h.client.starts.map((s) => (s.options.args[0] as { instance: { plan: string; backups?: boolean } }).instance);
    expect(specs.map((i) => [i.plan, i.backups])).toEqual([['enterprise', true], ['starter', undefined]]);
  });
});

describe('POST /api/instances/:id/rebuild', () => {
  it('queues a rebuild from a catalog image or one of the instance snapshots', async () => {
    const id = await runningInstance();
    await addSnapshot(id, 7001);
    const byImage = await signed(h.app, 'post', `/api/instances/${id}/rebuild`, { image: 'debian-12' }).expect(202);
    expect(byImage.body.operation).toMatchObject({ type: 'rebuild', status: 'queued', args: { image: 'debian-12' } });
    const bySnapshot = await signed(h.app, 'post', `/api/instances/${id}/rebuild`, { snapshot_id: 7001 }).expect(202);
    expect(bySnapshot.body.operation).toMatchObject({ type: 'rebuild', args: { snapshot_id: 7001 } });
    expect(h.client.signals.map((s) => [s.signal, (s.args[0] as { args: unknown }).args])).toEqual([
      ['requestOperation', { image: 'debian-12' }],
      ['requestOperation', { snapshotId: 7001 }],
    ]);
  });

  it.each([
    ['an image not in the catalog', { image: 'windows-11' }, 400, 'image'],
    ['both image and snapshot', { image: 'debian-12', snapshot_id: 7002 }, 400, 'body'],
    ['neither', {}, 400, 'body'],
    ['an unknown snapshot', { snapshot_id: 999999 }, 404, 'snapshot_id'],
    ['a snapshot id that is not a number', { snapshot_id: '7002' }, 400, 'snapshot_id'],
  ])('refuses %s and starts nothing', async (_what, body, status, path) => {
    const id = await runningInstance();
    const res = await signed(h.app, 'post', `/api/instances/${id}/rebuild`, body).expect(status);
    expect(res.body.error.details[0].path).toBe(path);
    expectNothingStarted();
  });

  it("refuses another instance's snapshot with 404", async () => {
    const mine = await runningInstance();
    const other = await runningInstance();
    await addSnapshot(other, 7003);
    await signed(h.app, 'post', `/api/instances/${mine}/rebuild`, { snapshot_id: 7003 }).expect(404);
    expectNothingStarted();
  });
});

describe('reset-password and snapshots', () => {
  it('POST reset-password queues reset_password', async () => {
    const id = await runningInstance();
    const res = await signed(h.app, 'post', `/api/instances/${id}/reset-password`).expect(202);
    expect(res.body.operation).toMatchObject({ type: 'reset_password', status: 'queued' });
  });

  it('GET lists the read model, POST queues a snapshot, DELETE queues delete_snapshot', async () => {
    const id = await runningInstance();
    await addSnapshot(id, 7101);
    const list = await signed(h.app, 'get', `/api/instances/${id}/snapshots`).expect(200);
    expect(list.body).toEqual({ snapshots: [{ id: 7101, description: 'snap 7101', size_gb: 1.5, created_at: expect.any(String) }] });
    const taken = await signed(h.app, 'post', `/api/instances/${id}/snapshots`, { description: 'before upgrade' }).expect(202);
    expect(taken.body.operation).toMatchObject({ type: 'snapshot', args: { description: 'before upgrade' } });
    const deleted = await signed(h.app, 'delete', `/api/instances/${id}/snapshots/7101`).expect(202);
    expect(deleted.body.operation).toMatchObject({ type: 'delete_snapshot', args: { snapshot_id: 7101 } });
  });

  it("DELETE of an unknown or another instance's snapshot is 404 and starts nothing; a bad description is 400", async () => {
    const mine = await runningInstance();
    const other = await runningInstance();
    await addSnapshot(other, 7201);
    await signed(h.app, 'delete', `/api/instances/${mine}/snapshots/7201`).expect(404);
    await signed(h.app, 'delete', `/api/instances/${mine}/snapshots/abc`).expect(404);
    await signed(h.app, 'post', `/api/instances/${mine}/snapshots`, { description: 'x'.repeat(101) }).expect(400);
    await signed(h.app, 'get', `/api/instances/00000000-0000-4000-8000-000000000000/snapshots`).expect(404);
    expectNothingStarted();
  });
});

describe('POST /api/instances/:id/failed', () => {
  const failed = (id: string, token: string, body: unknown) =>
    request(h.app).post(`/api/instances/${id}/failed`).set('X-Callback-Token', token).set('Content-Type', 'application/json').send(JSON.stringify(body));

  it('signals vmFailed to the provision waiting for the VPS, once', async () => {
    const res = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    const id = res.body.id as string;
    h.client.reset();
    const token = callbackToken(h.config.callbackSecret, id);
    await failed(id, token, { reason: 'gateway did not answer its health check' }).expect(200, { acknowledged: true });
    await failed(id, token, { reason: 'again' }).expect(200);
    expect(h.client.signals).toEqual([{ workflowId: provisionWorkflowId(id), signal: 'vmFailed', args: [{ reason: 'gateway did not answer its health check' }] }]);
  });

  it('targets a running rebuild; refuses a bad token or reason without a signal', async () => {
    const id = await runningInstance();
    await signed(h.app, 'post', `/api/instances/${id}/rebuild`, { image: 'ubuntu-24.04' }).expect(202);
    h.client.reset();
    const token = callbackToken(h.config.callbackSecret, id);
    await failed(id, 'f'.repeat(64), { reason: 'x' }).expect(401);
    await failed(id, token, { reason: 'x'.repeat(201) }).expect(400);
    await failed(id, token, { reason: 'line\nbreak' }).expect(400);
    await failed(id, token, {}).expect(400);
    expectNothingStarted();
    await request(h.app).post(`/api/instances/${id}/ready`).set('X-Callback-Token', token).expect(200);
    expect(h.client.signals).toEqual([{ workflowId: operationWorkflowId(id, 'rebuild', 2), signal: 'ready', args: [{}] }]);
  });
});
