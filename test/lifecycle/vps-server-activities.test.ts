// Issue 15's server activities against the sandbox: rebuild and reset_password (the root password
// reaches the customer's e-mail and nothing else), snapshots with retention, and the read-model
// side (snapshots list, the ready callback re-armed). Each survives a lost answer.
import { eq } from 'drizzle-orm';
import { createActivities, type Activities } from '../../activities';
import { instances, snapshots } from '../../schema/tables';
import type { InstanceSpec } from '../../workflows/domain';
import { buildActivityDeps } from '../../workers/activity-deps';
import { startStack, type Stack } from '../support/stack';
import { mailsTo } from '../support/world';

let stack: Stack;
let activities: Activities;
beforeAll(async () => {
  stack = await startStack({ worker: false, sandbox: { vmMode: 'never' } });
  const config = { ...stack.config, catalog: { ...stack.config.catalog, snapshotRetention: 2 } };
  activities = createActivities(buildActivityDeps(config, stack.database.db, { pollIntervalMs: 10 }));
});
afterEach(() => stack.sandbox.reset());
afterAll(() => stack?.close());

let n = 0;
async function runningInstance(): Promise<{ spec: InstanceSpec; serverId: number; email: string }> {
  const id = `00000000-0000-4000-8000-${String(Date.now() % 1e9).padStart(9, '0')}${String(++n).padStart(3, '0')}`;
  const spec: InstanceSpec = { instanceId: id, customerId: '15', serviceId: String(n), plan: 'starter', region: 'eu-helsinki', subdomain: `vps-srv-${n}-${Date.now() % 1e6}`, sshKeys: [] };
  const email = `${spec.subdomain}@example.com`;
  await stack.database.db.insert(instances).values({ id, whmcsServiceId: 800_000_000 + (Date.now() % 1e8) + n, whmcsClientId: 15, email, plan: 'starter', region: spec.region, subdomain: spec.subdomain, status: 'running' });
  const created = await activities.createServer({ instance: spec });
  await activities.waitForServerRunning({ instance: spec, serverId: created.serverId!, createActionId: created.createActionId });
  return { spec, serverId: created.serverId!, email };
}

async function withRetries<T>(fn: () => Promise<T>, attempts = 10): Promise<{ value: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  for (;;) {
    try {
      return { value: await fn(), failures };
    } catch (error) {
      failures.push(error);
      if ((error as { nonRetryable?: boolean }).nonRetryable || failures.length >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }
}

const rootPasswordOf = (serverId: number) =>
  (stack.sandbox.state().servers as unknown as { id: number; root_password: { value: string } | null }[]).find((s) => s.id === serverId)?.root_password?.value;

describe('resetRootPassword', () => {
  it('e-mails the password that took effect, once, and returns only "sent"; a lost answer sends only the new one', async () => {
    const { spec, serverId, email } = await runningInstance();
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/reset_password', commitThenDrop: { count: 1 } }]);
    const { value } = await withRetries(() => activities.resetRootPassword({ instance: spec, serverId, operationId: 'op-reset-1' }));
    expect(value).toEqual({ sent: true });
    const password = rootPasswordOf(serverId)!;
    const mails = mailsTo(stack.sandbox, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(password);
    expect(JSON.stringify(value)).not.toContain(password);
  });
});

describe('rebuildServer', () => {
  it('reinstalls with fresh cloud-init and e-mails the new password; a lost answer never mails a stale one', async () => {
    const { spec, serverId, email } = await runningInstance();
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/rebuild', commitThenDrop: { count: 1 } }]);
    const { value } = await withRetries(() => activities.rebuildServer({ instance: spec, serverId, image: 'debian-12', operationId: 'op-rebuild-1' }));
    expect(value).toEqual({ image: 'debian-12' });
    const mails = mailsTo(stack.sandbox, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(rootPasswordOf(serverId)!);
    const server = (stack.sandbox.state().servers as unknown as { id: number; image: { name: string }; user_data: string }[]).find((s) => s.id === serverId)!;
    expect(server.image.name).toBe('debian-12');
    expect(server.user_data).toContain(`/api/instances/${spec.instanceId}/failed`);
  });

  it('refuses an image outside the catalog, and a snapshot of another instance', async () => {
    const { spec, serverId } = await runningInstance();
    const other = await runningInstance();
    const { imageId } = await activities.takeSnapshot({ instance: other.spec, serverId: other.serverId, operationId: 'op-snap-x' });
    await expect(activities.rebuildServer({ instance: spec, serverId, image: 'windows-11', operationId: 'op-r2' })).rejects.toMatchObject({ type: 'OperationRefused', nonRetryable: true });
    await expect(activities.rebuildServer({ instance: spec, serverId, image: String(imageId), operationId: 'op-r3' })).rejects.toMatchObject({ type: 'OperationRefused', nonRetryable: true });
  });
});

describe('takeSnapshot / deleteSnapshot', () => {
  it('labels the snapshot, keeps the retention count, and one lost answer still makes one snapshot', async () => {
    const { spec, serverId } = await runningInstance();
    const first = await activities.takeSnapshot({ instance: spec, serverId, operationId: 'op-s1', description: 'first' });
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/create_image', commitThenDrop: { count: 1 } }]);
    const { value: second } = await withRetries(() => activities.takeSnapshot({ instance: spec, serverId, operationId: 'op-s2', description: 'second' }));
    expect(second.snapshots.map((s) => s.description)).toEqual(['first', 'second']);
    const third = await activities.takeSnapshot({ instance: spec, serverId, operationId: 'op-s3' });
    expect(third.snapshots.map((s) => s.imageId)).toEqual([second.imageId, third.imageId]);
    expect((stack.sandbox.state().images as unknown as { id: number }[]).map((i) => i.id)).not.toContain(first.imageId);
  });

  it('deletes only its own snapshots; one already gone is done', async () => {
    const a = await runningInstance();
    const b = await runningInstance();
    const snapA = await activities.takeSnapshot({ instance: a.spec, serverId: a.serverId, operationId: 'op-a' });
    await expect(activities.deleteSnapshot({ instance: b.spec, imageId: snapA.imageId })).rejects.toMatchObject({ type: 'OperationRefused' });
    expect(await activities.deleteSnapshot({ instance: a.spec, imageId: snapA.imageId })).toEqual({ snapshots: [] });
    expect(await activities.deleteSnapshot({ instance: a.spec, imageId: snapA.imageId })).toEqual({ snapshots: [] });
  });
});

describe('records', () => {
  it('recordTransition replaces the instance snapshots; armReadyCallback makes the token usable again', async () => {
    const { spec } = await runningInstance();
    const view = (imageId: number) => ({ imageId, description: `s${imageId}`, createdAt: new Date(Date.now() - imageId).toISOString() });
    const record = (list: ReturnType<typeof view>[], key: string) =>
      activities.recordTransition({ instanceId: spec.instanceId, status: 'running', snapshots: list, event: { key, kind: 'snapshot', message: 'snapshot' } });
    await record([view(901), view(902)], `${spec.instanceId}:s1`);
    await record([view(902), view(903)], `${spec.instanceId}:s2`);
    const rows = await stack.database.db.select().from(snapshots).where(eq(snapshots.instanceId, spec.instanceId));
    expect(rows.map((r) => r.imageId).sort()).toEqual([902, 903]);

    await stack.database.db.update(instances).set({ callbackUsedAt: new Date() }).where(eq(instances.id, spec.instanceId));
    await activities.armReadyCallback({ instanceId: spec.instanceId });
    const [row] = await stack.database.db.select().from(instances).where(eq(instances.id, spec.instanceId));
    expect(row!.callbackUsedAt).toBeNull();
  });
});
