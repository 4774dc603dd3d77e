// Records the histories the replay test checks: `npm run histories:record`. Run it after a
// deliberate, compatible workflow change (and say so in the commit); a normal test run never
// rewrites them. It starts the same harness as jest (Temporal dev server, Postgres, sandbox,
// API, worker), drives scenarios through the API, and saves every workflow's history as JSON.
// After a change made behind patched(), keep the histories recorded before it (renamed
// `before-<patch>--…`): running workflows started on the old code must go on replaying.
// `--encrypted` records the full lifecycle with payload encryption on (the test key of
// test/support/encrypted-histories.ts) into test/histories/encrypted/, as such a cluster stores it.
// Scenario names as arguments record only those (`npm run histories:record -- health-changes`),
// so a new scenario is added without recording the others again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { HEALTH_MONITOR, DRIFT_MONITOR } from '../../workflows/fleet-types';
import { instanceWorkflowId } from '../../workflows/ids';
import { abortSignal, retrySignal, skipSignal } from '../../workflows/messages';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { createInstance, getInstance, operationsOf, requestOperation, untilEntity, untilOperationDone, untilStatus } from '../support/lifecycle';
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
  for (const workflowId of ids) await saveRuns(scenario, workflowId, workflowId.replace(/^instance-[0-9a-f-]+/, 'instance').replace(/\//g, '--'));
  console.log(`recorded ${scenario}: ${ids.length} workflows`);
}

/** Every run of one workflow id (a retried child, a continued-as-new entity: a history each), as `<scenario>--<label>--<run>.json`. */
async function saveRuns(scenario: string, workflowId: string, label: string): Promise<void> {
  const stack = recording!;
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    // The CLI's JSON is the standard one (what `temporal workflow show -o json` gives an operator).
    const json = execFileSync(await findOrInstallTemporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--run-id', execution.runId, '--output', 'json', '--address', process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS!, '--namespace', process.env.HOSTFLOW_TEST_NAMESPACE!], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(path.join(encrypted ? ENCRYPTED_HISTORIES_DIR : HISTORIES_DIR, `${scenario}--${label}--${execution.runId.slice(-8)}.json`), json);
  }
}

let recording: Stack | undefined;

// ---- day two: the fleet sweeps and the alerts (issue 16) ----

/** The recorder's worker settings: unhealthy after 2 failed sweeps, a reboot after 3. */
const UNHEALTHY_AFTER = 2;
const REBOOT_AFTER = 3;

async function rebootRequester(stack: Stack, instanceId: string): Promise<string | undefined> {
  const operations = (await operationsOf(stack, instanceId)) as unknown as { type: string; requested_by: string }[];
  return operations.find((o) => o.type === 'reboot')?.requested_by;
}

/** One sweep, started directly (the schedules start the same workflows); its workflow id. */
async function sweep(stack: Stack, type: 'healthSweepWorkflow' | 'driftSweepWorkflow'): Promise<string> {
  const workflowId = `${type === 'healthSweepWorkflow' ? 'health' : 'drift'}-sweep-recorded-${randomUUID()}`;
  await stack.client.workflow.execute(type, { taskQueue: stack.env.TEMPORAL_TASK_QUEUE!, workflowId, args: [{}] });
  return workflowId;
}

async function alertWorkflowIds(stack: Stack): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const execution of stack.client.workflow.list({ query: 'WorkflowType = "alertWorkflow"' })) ids.add(execution.workflowId);
  return ids;
}

/** The alert workflows started since `before`, each finished (delivered to the sandbox's receiver), then saved. */
async function saveAlerts(stack: Stack, scenario: string, before: Set<string>, expected: number): Promise<void> {
  const ids = await eventually(async () => {
    const started = [...(await alertWorkflowIds(stack))].filter((id) => !before.has(id));
    return started.length >= expected ? started : undefined;
  }, { what: `${expected} alerts`, timeoutMs: 60_000 });
  for (const workflowId of ids) {
    await stack.client.workflow.getHandle(workflowId).result();
    // The key's words without ids and times: alert-unhealthy:<instance>:1:resolved → alert-unhealthy-resolved.
    const words = workflowId.replace(/^alert-/, '').split(':').filter((part) => /^[a-z_-]+$/.test(part));
    await saveRuns(scenario, workflowId, ['alert', ...words].join('-'));
  }
  console.log(`recorded ${scenario}: ${ids.length} alerts`);
}

/** Health changes: unhealthy, the reboot due (queued by the health monitor, run), healthy again. */
async function healthChanges(stack: Stack): Promise<void> {
  const alertsBefore = await alertWorkflowIds(stack);
  const created = await createInstance(stack);
  const view = await untilStatus(stack, created.id, 'running');
  const serverId = Number(view.server.id);
  stack.sandbox.setHealthMode('failing', serverId);
  let unhealthySweep = '';
  for (let n = 1; n <= REBOOT_AFTER; n += 1) {
    const workflowId = await sweep(stack, 'healthSweepWorkflow');
    if (n === UNHEALTHY_AFTER) unhealthySweep = workflowId;
  }
  const reboot = await eventually(async () => (await operationsOf(stack, created.id)).find((o) => o.type === 'reboot'), { what: 'the health monitor\'s reboot', timeoutMs: 60_000 });
  await untilOperationDone(stack, created.id, reboot.id, 60_000);
  await untilStatus(stack, created.id, 'running');
  stack.sandbox.setHealthMode('healthy', serverId);
  // Booted again (the sandbox answers 503 while booting): the first success is the recovery.
  await eventually(async () => {
    await sweep(stack, 'healthSweepWorkflow');
    return (await getInstance(stack, created.id))?.health?.status === 'healthy' ? true : undefined;
  }, { what: 'the instance healthy again', timeoutMs: 60_000 });
  await untilEntity(stack, created.id, (s) => s.health === 'healthy', 'the entity told of the recovery');
  await untilOperationDone(stack, created.id, (await requestOperation(stack, created.id, 'terminate')).id);
  await untilStatus(stack, created.id, 'terminated');
  await save(stack, 'health-changes', created.id);
  // unhealthy, health-reboot, unhealthy resolved.
  await saveAlerts(stack, 'health-changes', alertsBefore, 3);
  await saveRuns('health-changes', unhealthySweep, 'health-sweep');
  if ((await rebootRequester(stack, created.id)) !== HEALTH_MONITOR) throw new Error('the reboot was not the health monitor\'s');
}

/** A server deleted behind Hostflow's back: the drift sweep's notice, the reboot that finds nothing, attention, an operator's skip. */
async function driftAttentionSkip(stack: Stack): Promise<void> {
  const alertsBefore = await alertWorkflowIds(stack);
  const created = await createInstance(stack);
  const view = await untilStatus(stack, created.id, 'running');
  // As in the Hetzner console: the provider's own API with the project's token.
  const deleted = await fetch(`${stack.env.HETZNER_API_URL}/servers/${view.server.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${stack.env.HETZNER_API_TOKEN}` } });
  if (!deleted.ok) throw new Error(`deleting the server answered ${deleted.status}`);
  await eventually(async () => (stack.sandbox.state().servers.some((s) => s['id'] === Number(view.server.id)) ? undefined : true), { what: 'the server gone' });
  const driftSweep = await sweep(stack, 'driftSweepWorkflow');
  await untilEntity(stack, created.id, (s) => s.status === 'attention', 'attention (no server to reboot)', 60_000);
  await stack.client.workflow.getHandle(instanceWorkflowId(created.id)).signal(skipSignal, { operator: 'recorder', reason: 'Hetzner support restores it' });
  await untilStatus(stack, created.id, 'running');
  await untilOperationDone(stack, created.id, (await requestOperation(stack, created.id, 'terminate')).id, 60_000);
  await untilStatus(stack, created.id, 'terminated');
  await save(stack, 'drift-attention-skip', created.id);
  // drift (server vanished), attention, attention resolved (the skip).
  await saveAlerts(stack, 'drift-attention-skip', alertsBefore, 3);
  await saveRuns('drift-attention-skip', driftSweep, 'drift-sweep');
  if ((await rebootRequester(stack, created.id)) !== DRIFT_MONITOR) throw new Error('the reboot was not the drift monitor\'s');
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

const SCENARIOS: Record<string, (stack: Stack) => Promise<void>> = {
  'full-lifecycle': fullLifecycle,
  'terminate-during-provision': terminateDuringProvision,
  'attention-retry-abort': attentionRetryThenAbort,
  'vps-features': vpsFeatures,
  'health-changes': healthChanges,
  'drift-attention-skip': driftAttentionSkip,
};

async function main(): Promise<void> {
  mkdirSync(encrypted ? ENCRYPTED_HISTORIES_DIR : HISTORIES_DIR, { recursive: true });
  await globalSetup();
  let stack: Stack | undefined;
  try {
    const entity = { timings: { retry: { initialIntervalMs: 50, maximumIntervalMs: 200 } } };
    if (encrypted) {
      stack = recording = await startStack({ entity, payloadEncryption: { keys: `${REPLAY_KEY_ID}:${TEST_KEY_A}`, activeKey: REPLAY_KEY_ID } });
      await fullLifecycle(stack);
      return;
    }
    stack = recording = await startStack({ entity, worker: false });
    // The sweeps check the sandbox's gateways; alerts go to its receiver (an alert workflow then ends).
    await stack.startWorker({
      env: {
        HEALTH_URL_TEMPLATE: stack.sandbox.healthUrlTemplate,
        ALERT_WEBHOOK_URL: stack.sandbox.alertWebhookUrl,
        HEALTH_UNHEALTHY_AFTER: String(UNHEALTHY_AFTER),
        HEALTH_REBOOT_AFTER: String(REBOOT_AFTER),
      },
    });
    const chosen = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
    const unknown = chosen.filter((name) => !(name in SCENARIOS));
    if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})`);
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (chosen.length === 0 || chosen.includes(name)) await scenario(stack);
    }
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
