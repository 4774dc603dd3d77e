// The Hostflow half of the sandbox's commit-then-drop demonstration (test/sandbox/faults.test.ts
// shows a naive create-then-retry making two servers): the provider answered nothing, Temporal
// retries the activity, and exactly one server, one record, no leftovers come out of it.
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { createActivities, type Activities } from '../../activities';
import { instances } from '../../schema/tables';
import type { InstanceSpec } from '../../workflows/domain';
import { buildActivityDeps } from '../../workers/activity-deps';
import { startStack, type Stack } from '../support/stack';
import { recordsNamed, serversOf } from '../support/world';

let stack: Stack;
let activities: Activities;
beforeAll(async () => {
  stack = await startStack({ worker: false, sandbox: { vmMode: 'never' } });
  activities = createActivities(buildActivityDeps(stack.config, stack.database.db, { pollIntervalMs: 10 }));
});
afterEach(() => stack.sandbox.reset());
afterAll(() => stack?.close());

let n = 0;
// Instance ids are UUIDs: the DNS ownership marker (activities/dns-ownership.ts) names one.
const instance = (): InstanceSpec => ({ instanceId: randomUUID(), customerId: '9', serviceId: '9', plan: 'starter', region: 'eu-helsinki', subdomain: `idem-${++n}-${Date.now()}`, sshKeys: [] });

/** The row the API writes when it accepts the instance, so the activities have one to update. */
async function insertInstanceRow(spec: InstanceSpec): Promise<void> {
  const serviceId = 700_000_000 + (Date.now() % 100_000_000) + n;
  await stack.database.db.insert(instances).values({ id: spec.instanceId, whmcsServiceId: serviceId, whmcsClientId: 9, email: 'idem@example.com', plan: spec.plan, region: spec.region, subdomain: spec.subdomain, status: 'provisioning' });
}

async function instanceRow(instanceId: string) {
  const [row] = await stack.database.db.select().from(instances).where(eq(instances.id, instanceId));
  return row!;
}

/** What Temporal does with a retryable failure: run the same activity again (no back-off here). */
async function withRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<{ value: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  for (;;) {
    try {
      return { value: await fn(), failures };
    } catch (error) {
      failures.push(error);
      if ((error as { nonRetryable?: boolean }).nonRetryable || failures.length >= attempts) throw error;
    }
  }
}

describe('activities under "commit then drop"', () => {
  it('createServer: the create succeeded but its answer was lost; the retry finds it, one server', async () => {
    const spec = instance();
    stack.sandbox.setFaults([{ route: 'POST /v1/servers', commitThenDrop: { count: 1 } }]);
    const { value, failures } = await withRetries(() => activities.createServer({ instance: spec }));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ nonRetryable: false });
    const servers = serversOf(stack.sandbox, spec.instanceId);
    expect(servers.map((s) => s.id)).toEqual([value.serverId]);
    expect(value.createActionId).toBeDefined();
    expect(stack.sandbox.state().requests['POST /v1/servers']).toBe(1);
  });

  it('createServer: a lost answer on every other call still ends with one server', async () => {
    const spec = instance();
    stack.sandbox.setFaults([{ route: '*', commitThenDrop: { rate: 0.5 } }], 3);
    const { value } = await withRetries(() => activities.createServer({ instance: spec }), 20);
    expect(serversOf(stack.sandbox, spec.instanceId).map((s) => s.id)).toEqual([value.serverId]);
  });

  it('createServer refuses, for good, a server of the same name that belongs to someone else', async () => {
    const spec = instance();
    await activities.createServer({ instance: { ...spec, instanceId: 'somebody-else' } });
    await expect(activities.createServer({ instance: spec })).rejects.toMatchObject({ type: 'ProviderRefused', nonRetryable: true, message: expect.stringContaining('does not belong to this instance') });
  });

  it('ensureDnsRecord and deleteDnsRecord: a lost answer leaves one record, then none', async () => {
    const spec = instance();
    const fqdn = `${spec.subdomain}.${stack.config.domain}`;
    stack.sandbox.setFaults([{ route: 'POST /client/v4/zones/:zone_id/dns_records', commitThenDrop: { count: 1 } }, { route: 'DELETE /client/v4/zones/:zone_id/dns_records/:id', commitThenDrop: { count: 1 } }]);
    const { value, failures } = await withRetries(() => activities.ensureDnsRecord({ instance: spec, ipAddress: '203.0.113.77' }));
    expect(failures).toHaveLength(1);
    expect(recordsNamed(stack.sandbox, fqdn).map((r) => r.id)).toEqual([value.dnsRecordId]);
    const deleted = await withRetries(() => activities.deleteDnsRecord({ instance: spec }));
    expect(deleted.failures).toHaveLength(1);
    expect(recordsNamed(stack.sandbox, fqdn)).toEqual([]);
  });

  it('deleteServer: a lost answer on delete is retried to done; deleting again is done too', async () => {
    const spec = instance();
    const created = await activities.createServer({ instance: spec });
    await activities.waitForServerRunning({ instance: spec, serverId: created.serverId!, createActionId: created.createActionId });
    stack.sandbox.setFaults([{ route: 'DELETE /v1/servers/:id', commitThenDrop: { count: 1 } }]);
    await withRetries(() => activities.deleteServer({ instance: spec, serverId: created.serverId }));
    expect(serversOf(stack.sandbox, spec.instanceId)).toEqual([]);
    expect(await activities.deleteServer({ instance: spec, serverId: created.serverId })).toEqual({ deleted: [] });
  });
});

describe('one writer for the instance row', () => {
  it('createServer and ensureDnsRecord leave the row alone; recordResources writes what they returned, and again is the same', async () => {
    const spec = instance();
    await insertInstanceRow(spec);
    const { createActionId: _createActionId, ...server } = await activities.createServer({ instance: spec });
    const { dnsRecordId } = await activities.ensureDnsRecord({ instance: spec, ipAddress: server.ipAddress! });
    expect(await instanceRow(spec.instanceId)).toMatchObject({ serverId: null, ipAddress: null, dnsRecordId: null, serverType: null, location: null });

    await activities.recordResources({ instanceId: spec.instanceId, resources: server });
    await activities.recordResources({ instanceId: spec.instanceId, resources: { dnsRecordId } });
    const written = await instanceRow(spec.instanceId);
    expect(written).toMatchObject({ serverId: server.serverId, ipAddress: server.ipAddress, serverType: server.serverType, location: server.location, dnsRecordId, status: 'provisioning' });

    // A retried attempt (same input) changes nothing; an absent field never blanks a column.
    await activities.recordResources({ instanceId: spec.instanceId, resources: { dnsRecordId } });
    expect(await instanceRow(spec.instanceId)).toMatchObject({ serverId: server.serverId, ipAddress: server.ipAddress, dnsRecordId });
  });
});
