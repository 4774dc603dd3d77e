// Records the histories the replay test checks: `npm run histories:record`. Run it after a
// deliberate, compatible workflow change (and say so in the commit); a normal test run never
// rewrites them. It starts the same harness as jest (Temporal dev server, Postgres, sandbox,
// API, worker), drives scenarios through the API, and saves every workflow's history as JSON.
// After a change made behind patched(), keep the histories recorded before it (renamed
// `before-<patch>--…`): running workflows started on the old code must go on replaying.
// `--encrypted` records the full lifecycle with payload encryption on (the test key of
// test/support/encrypted-histories.ts) into test/histories/encrypted/, as such a cluster stores it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { instanceWorkflowId } from '../../workflows/ids';
import { abortSignal, retrySignal } from '../../workflows/messages';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { createInstance, getInstance, requestOperation, untilEntity, untilOperationDone, untilStatus } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { instanceWorkflowIds } from '../support/histories';
import { TEST_KEY_A } from '../support/encrypted-histories';
import { sshKeyLine } from '../support/ssh-keys';
import { findOrInstallTemporalCli } from '../../scripts/lib/temporal-cli';

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');
export const ENCRYPTED_HISTORIES_DIR = path.join(HISTORIES_DIR, 'encrypted');
export const REPLAY_KEY_ID = 'replay-test-key';
const encrypted = process.argv.includes('--encrypted');

async function save(stack: Stack, scenario: string, instanceId: string): Promise<void> {
  const ids = (await instanceWorkflowIds(stack.client, instanceId)).sort();
  for (const workflowId of ids) {
    // Each run of an id (a retried child, a continued-as-new entity) is a history of its own.
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      // The CLI's JSON is the standard one (what `temporal workflow show -o json` gives an operator).
      const json = execFileSync(await findOrInstallTemporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--run-id', execution.runId, '--output', 'json', '--address', process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS!, '--namespace', process.env.HOSTFLOW_TEST_NAMESPACE!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const name = `${scenario}--${workflowId.replace(/^instance-[0-9a-f-]+/, 'instance').replace(/\//g, '--')}--${execution.runId.slice(-8)}.json`;
      writeFileSync(path.join(encrypted ? ENCRYPTED_HISTORIES_DIR : HISTORIES_DIR, name), json);
    }
  }
  console.log(`recorded ${scenario}: ${ids.length} workflows`);
}

async function fullLifecycle(stack: Stack): Promise<void> {
  const created = await createInstance(stack, { plan: 'starter' });
  await untilStatus(stack, created.id, 'running');
  for (const [op, body] of [['suspend'], ['unsuspend'], ['resize', { plan: 'professional' }], ['reboot'], ['suspend'], ['resize', { plan: 'starter' }], ['terminate', { snapshot: true }]] as const) {
    const operation = await requestOperation(stack, created.id, op, body);
    await untilOperationDone(stack, created.id, operation.id);
  }
  await untilStatus(stack, created.id, 'terminated');
  await save(stack, 'full-lifecycle', created.id);
}

async function terminateDuringProvision(stack: Stack): Promise<void> {
  stack.sandbox.setVmMode('never');
  const created = await createInstance(stack);
  // The DNS record is the step before the wait for ready.
  await eventually(async () => ((await getInstance(stack, created.id))?.dns?.record_id ? true : undefined), { what: 'provision waiting for ready' });
  await requestOperation(stack, created.id, 'terminate');
  await untilStatus(stack, created.id, 'terminated');
  stack.sandbox.setVmMode('once');
  await save(stack, 'terminate-during-provision', created.id);
}

async function attentionRetryThenAbort(stack: Stack): Promise<void> {
  const created = await createInstance(stack);
  await untilStatus(stack, created.id, 'running');
  const refuse = [{ route: 'POST /v1/servers/:id/actions/reboot', errorRate: 1, status: 403, code: 'forbidden' }];
  stack.sandbox.setFaults(refuse);
  await requestOperation(stack, created.id, 'reboot');
  const handle = stack.client.workflow.getHandle(instanceWorkflowId(created.id));
  await untilEntity(stack, created.id, (s) => s.status === 'attention', 'attention');
  const reboots = () => stack.sandbox.state().requests['POST /v1/servers/:id/actions/reboot'] ?? 0;
  const before = reboots();
  await handle.signal(retrySignal, { operator: 'recorder' });
  await eventually(async () => (reboots() > before ? true : undefined), { what: 'the retried reboot' });
  await untilEntity(stack, created.id, (s) => s.status === 'attention', 'attention again after retry');
  stack.sandbox.setFaults([]);
  await handle.signal(abortSignal, { operator: 'recorder' });
  await untilStatus(stack, created.id, 'terminated');
  await save(stack, 'attention-retry-abort', created.id);
}

/** Revision 3's customer access and the panel operations: keys, firewall, snapshot, restore, password. */
async function vpsFeatures(stack: Stack): Promise<void> {
  const created = await createInstance(stack, { ssh_keys: [sshKeyLine('recorder@laptop')] });
  await untilStatus(stack, created.id, 'running');
  const post = async (path: string, body?: Record<string, unknown>) => {
    const answer = await stack.call('POST', `/api/instances/${created.id}/${path}`, body);
    await untilOperationDone(stack, created.id, answer.body.operation.id);
  };
  await post('snapshots', { description: 'recorded' });
  const [snapshot] = (await stack.call('GET', `/api/instances/${created.id}/snapshots`)).body.snapshots as { id: number }[];
  await post('rebuild', { snapshot_id: snapshot!.id });
  await post('reset-password');
  const removed = await stack.call('DELETE', `/api/instances/${created.id}/snapshots/${snapshot!.id}`);
  await untilOperationDone(stack, created.id, removed.body.operation.id);
  await untilOperationDone(stack, created.id, (await requestOperation(stack, created.id, 'terminate')).id);
  await untilStatus(stack, created.id, 'terminated');
  await save(stack, 'vps-features', created.id);
}

async function main(): Promise<void> {
  mkdirSync(encrypted ? ENCRYPTED_HISTORIES_DIR : HISTORIES_DIR, { recursive: true });
  await globalSetup();
  let stack: Stack | undefined;
  try {
    const entity = { timings: { retry: { initialIntervalMs: 50, maximumIntervalMs: 200 } } };
    if (encrypted) {
      stack = await startStack({ entity, payloadEncryption: { keys: `${REPLAY_KEY_ID}:${TEST_KEY_A}`, activeKey: REPLAY_KEY_ID } });
      await fullLifecycle(stack);
      return;
    }
    stack = await startStack({ entity });
    await fullLifecycle(stack);
    await terminateDuringProvision(stack);
    await attentionRetryThenAbort(stack);
    await vpsFeatures(stack);
  } finally {
    await stack?.close();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
