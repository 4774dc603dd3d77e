// With payload encryption on, a whole lifecycle runs through the real stack (API, worker,
// sandbox providers, Temporal) and the Temporal server never holds a customer's e-mail address,
// hostname or SSH key in readable form: every history of the run's own namespace is read back as
// stored and scanned byte for byte. Then a key rotation: workflows started under key A finish
// after a worker restarts with key B active.
import { randomUUID } from 'node:crypto';
import { createNamespace, operatorCli } from '../operators/cli';
import { allHistories, metadataText, payloadsOf, readableText, TEST_KEY_A, TEST_KEY_B } from '../support/encrypted-histories';
import { createInstance, entityState, requestOperation, untilEntity, untilOperationDone, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEncryptedPayloadTestKeyMaterial0123456789ab enc-owner@laptop';
let stack: Stack;

beforeAll(async () => {
  // A namespace of the test's own: "every workflow in it" is exactly this run's.
  const namespace = `hostflow-encryption-${randomUUID().slice(0, 8)}`;
  const { register } = await createNamespace(await operatorCli({ address: process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS ?? '', namespace }), namespace);
  expect(register.code).toBe(0);
  // B is known everywhere before it becomes active (README: rotating a key).
  stack = await startStack({ temporal: { namespace }, payloadEncryption: { keys: `key-a:${TEST_KEY_A},key-b:${TEST_KEY_B}`, activeKey: 'key-a' } });
}, 90_000);
afterAll(() => stack?.close());

describe('payload encryption on the real stack', () => {
  it('runs a full lifecycle with no e-mail, hostname or SSH key readable in any history', async () => {
    // SSH keys travel in the entity's and the provision's input; whether the provider takes them
    // is not this test's concern, so that instance only has to settle.
    const withKey = await createInstance(stack, { email: 'enc-keyed@customer.example', hostname: 'enc-keyed-host', ssh_keys: [SSH_KEY] });
    const created = await createInstance(stack, { email: 'enc-owner@customer.example', hostname: 'enc-secret-host' });
    await untilStatus(stack, created.id, 'running');
    for (const [op, body] of [['suspend'], ['unsuspend'], ['resize', { plan: 'professional' }], ['reboot'], ['terminate', { snapshot: true }]] as const) {
      const operation = await requestOperation(stack, created.id, op, body);
      expect((await untilOperationDone(stack, created.id, operation.id)).status).toBe('succeeded');
    }
    await untilStatus(stack, created.id, 'terminated');
    await eventually(async () => ((await entityState(stack, withKey.id)).status === 'provisioning' ? undefined : true), { what: 'the keyed instance to settle' });

    const histories = await allHistories(stack.client);
    expect(histories.map((h) => h.workflowId).sort()).toEqual(expect.arrayContaining([`instance-${created.id}`, `instance-${created.id}/provision-1`, `instance-${created.id}/terminate-6`]));
    const payloads = histories.flatMap((h) => payloadsOf(h.history));
    // Inputs, results, signals, memos, summaries: every payload encrypted, under the active key.
    expect(payloads.length).toBeGreaterThan(50);
    expect(new Set(payloads.map((p) => `${metadataText(p, 'encoding')} ${metadataText(p, 'encryption-key-id')}`))).toEqual(new Set(['binary/encrypted key-a']));
    const stored = histories.flatMap((h) => readableText(h.history)).join('\n');
    for (const secret of ['enc-owner@customer.example', 'enc-secret-host', 'enc-keyed@customer.example', 'enc-keyed-host', SSH_KEY.split(' ')[1]!.slice(0, 30), 'enc-owner@laptop']) expect(stored).not.toContain(secret);
    // The same workflows read back decoded through the client's codec, as an operator's UI does.
    expect(JSON.stringify(await stack.client.workflow.getHandle(`instance-${created.id}`).result())).not.toMatch(/binary\/encrypted/);
  });

  it('finishes workflows started under key A after a worker restarts with key B active', async () => {
    const created = await createInstance(stack, { hostname: 'rotate-host' });
    await untilStatus(stack, created.id, 'running');
    await stack.stopWorker();
    // Queued while no worker runs: the signal is encrypted under A, the entity's history too.
    const suspend = await requestOperation(stack, created.id, 'suspend');
    await stack.startWorker({ env: { PAYLOAD_ENCRYPTION_ACTIVE_KEY: 'key-b' } });
    expect((await untilOperationDone(stack, created.id, suspend.id)).status).toBe('succeeded');
    // The read model hears the success from the child's last activity, a moment before the entity takes in the child's end.
    await untilEntity(stack, created.id, (state) => state.status === 'suspended', 'the entity suspended');
    const terminate = await requestOperation(stack, created.id, 'terminate');
    expect((await untilOperationDone(stack, created.id, terminate.id)).status).toBe('succeeded');
    await untilStatus(stack, created.id, 'terminated');

    const entity = (await allHistories(stack.client)).find((h) => h.workflowId === `instance-${created.id}`)!;
    const keyIds = new Set(payloadsOf(entity.history).map((p) => metadataText(p, 'encryption-key-id')));
    // Started under A, finished with B: both in one history, both readable while both are listed.
    expect(keyIds).toEqual(new Set(['key-a', 'key-b']));
    await stack.stopWorker();
    await stack.startWorker();
  });
});
