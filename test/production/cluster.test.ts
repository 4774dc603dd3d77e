// Runs only in the cluster-backed run (HOSTFLOW_TEST_TEMPORAL=cluster, as .ci/run does): proves the
// run's Temporal is the real server on Postgres with 4 history shards and Hostflow's search
// attributes (registered by infra/search-attributes.sh), and, with HOSTFLOW_TEST_REPLICAS=2, that a
// stack really polls with two worker processes, each naming its Hostflow version.
import { Connection } from '@temporalio/client';
import { startStack, eventually, type Stack } from '../support/stack';

const onCluster = process.env.HOSTFLOW_TEST_TEMPORAL === 'cluster';
const replicas = Number(process.env.HOSTFLOW_TEST_REPLICAS ?? '1');

(onCluster ? describe : describe.skip)('the real Temporal cluster', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS! });
  });
  afterAll(() => connection.close());

  it('is the server on Postgres with 4 history shards', async () => {
    const info = await connection.workflowService.getClusterInfo({});
    expect({ shards: info.historyShardCount, store: info.persistenceStore, visibility: info.visibilityStore, version: info.serverVersion })
      .toEqual({ shards: 4, store: 'postgres12', visibility: 'postgres12', version: '1.29.1' });
  });

  it('has the search attributes infra/search-attributes.sh registers', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: process.env.HOSTFLOW_TEST_NAMESPACE! });
    for (const name of ['InstanceId', 'CustomerId', 'Plan', 'Region', 'InstanceStatus', 'Operation', 'Health']) expect(customAttributes?.[name]).toBe(2); // Keyword
  });

  (replicas > 1 ? describe : describe.skip)('with HOSTFLOW_TEST_REPLICAS', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(() => stack?.close());

    it('polls with that many worker processes, each identity naming the Hostflow version', async () => {
      const identities = await eventually(async () => {
        const answer = await connection.workflowService.describeTaskQueue({ namespace: stack.temporal.namespace, taskQueue: { name: stack.config.taskQueue }, taskQueueType: 1 });
        const ids = [...new Set((answer.pollers ?? []).map((p) => p.identity ?? ''))];
        return ids.length >= replicas ? ids : undefined;
      }, { what: `${replicas} pollers` });
      expect(identities).toHaveLength(replicas);
      for (const id of identities) expect(id).toMatch(/^\d+@\S+ hostflow\/\d+\.\d+\.\d+/);
      expect(new Set(identities.map((id) => id.split('@')[0])).size).toBe(replicas);
    });

    it('answers consecutive API requests from different processes behind one address', async () => {
      const answers = await Promise.all([0, 1, 2, 3].map(() => fetch(`${stack.apiUrl}/api/health/live`)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    });
  });
});

if (!onCluster) it('runs against the real cluster only (HOSTFLOW_TEST_TEMPORAL=cluster)', () => undefined);
