// deliverHealthChanges against real Postgres and the run's Temporal server: each entity hears its
// pending changes in order, exactly the delivered ones leave the outbox (a change the sweep adds
// meanwhile stays), and the changes of an instance whose workflow is gone are dropped.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createFleetHealthActivities } from '../../activities/fleet-health';
import type { HetznerClient } from '../../activities/hetzner-client';
import { instanceHealth, instances } from '../../schema/tables';
import type { HealthChange } from '../../workflows/fleet-types';
import { INSTANCE_WORKFLOW_TYPE, instanceWorkflowId } from '../../workflows/ids';
import { startTestDatabase, type TestDatabase } from '../api/support';

let database: TestDatabase;
let connection: Connection;
let client: Client;
const started: WorkflowHandle[] = [];

beforeAll(async () => {
  database = await startTestDatabase();
  connection = await Connection.connect({ address: process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: process.env.HOSTFLOW_TEST_NAMESPACE! });
});
afterAll(async () => {
  await Promise.all(started.map((handle) => handle.terminate('test over').catch(() => undefined)));
  await connection?.close();
  await database?.stop();
});

const change = (episode: number, kind: HealthChange['kind']): HealthChange => ({
  key: `health:${episode}:${kind}`,
  kind,
  episode,
  consecutiveFailures: kind === 'reboot_due' ? 10 : 3,
  checkedAt: '2026-01-01T00:00:00.000Z',
  reason: 'http://x/healthz: HTTP 503',
});

/** An instance with pending changes; with an entity workflow that exists (no worker runs it: it just receives signals). */
async function instanceWithPending(pending: HealthChange[], withWorkflow: boolean): Promise<string> {
  const id = randomUUID();
  await database.handle.db.insert(instances).values({ id, email: 'o@example.com', plan: 'starter', region: 'eu-helsinki', subdomain: `outbox-${id.slice(0, 8)}`, status: 'running' });
  await database.handle.db.insert(instanceHealth).values({ instanceId: id, status: 'unhealthy', pending });
  if (withWorkflow) {
    started.push(await client.workflow.start(INSTANCE_WORKFLOW_TYPE, { taskQueue: `fleet-outbox-test-${randomUUID()}`, workflowId: instanceWorkflowId(id), args: [] }));
  }
  return id;
}

async function signalsReceived(id: string): Promise<HealthChange[]> {
  const history = await client.workflow.getHandle(instanceWorkflowId(id)).fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === 'healthChanged')
    .map((signal) => defaultPayloadConverter.fromPayload<HealthChange>(signal!.input!.payloads![0]!));
}

const pendingOf = async (id: string) => (await database.handle.db.select().from(instanceHealth).where(eq(instanceHealth.instanceId, id)))[0]!.pending as HealthChange[];

/** The worker's client, except that a sweep appends `late` to `id`'s outbox just before its first signal. */
function clientWithSweepMeanwhile(id: string, late: HealthChange): Client {
  let appended = false;
  const getHandle = (workflowId: string) => {
    const handle = client.workflow.getHandle(workflowId);
    return {
      async signal(...args: Parameters<typeof handle.signal>) {
        if (workflowId === instanceWorkflowId(id) && !appended) {
          appended = true;
          await database.handle.db.update(instanceHealth).set({ pending: sql`${instanceHealth.pending} || ${JSON.stringify([late])}::jsonb` }).where(eq(instanceHealth.instanceId, id));
        }
        return handle.signal(...args);
      },
    };
  };
  const workflow = { getHandle };
  return new Proxy(client, { get: (target, name) => (name === 'workflow' ? workflow : Reflect.get(target, name, target)) });
}

function deliver(workerClient: Client) {
  const { deliverHealthChanges } = createFleetHealthActivities({ db: database.handle.db, hetzner: {} as HetznerClient, domain: 'example.test', fleet: {} as never });
  return new MockActivityEnvironment({}, { client: workerClient }).run(deliverHealthChanges);
}

describe('deliverHealthChanges', () => {
  it('signals each change in order, removes only the delivered ones, and drops those of a workflow that is gone', async () => {
    const live = await instanceWithPending([change(1, 'unhealthy'), change(1, 'reboot_due')], true);
    const gone = await instanceWithPending([change(2, 'unhealthy')], false);
    const late = change(1, 'recovered');

    expect(await deliver(clientWithSweepMeanwhile(live, late))).toEqual({ delivered: 2 });
    expect(await signalsReceived(live)).toEqual([change(1, 'unhealthy'), change(1, 'reboot_due')]);
    expect(await pendingOf(live)).toEqual([late]);
    expect(await pendingOf(gone)).toEqual([]);

    // The next delivery sends what the sweep added meanwhile; then the outbox is empty.
    expect(await deliver(client)).toEqual({ delivered: 1 });
    expect((await signalsReceived(live)).map((c) => c.key)).toEqual(['health:1:unhealthy', 'health:1:reboot_due', 'health:1:recovered']);
    expect(await deliver(client)).toEqual({ delivered: 0 });
  });
});
