// The README's operator runbook, run: every `temporal` command and API request in it, against a
// dev server, in the situation it is written for, with its output checked. A command that no
// longer exists, a flag the CLI dropped, a query that finds nothing or a signal that repairs
// nothing fails here. Runs in a namespace of its own (registered by infra/search-attributes.sh),
// so the batch signal cannot touch other test files' instances, and on a database of its own, so
// the fleet sweeps see only its instances.
import { randomUUID } from 'node:crypto';
import { ensureSchedules } from '../../workers/schedules';
import { DRIFT_SWEEP_SCHEDULE_ID, HEALTH_SWEEP_SCHEDULE_ID } from '../../workflows/ids';
import { serversOf } from '../support/world';
import { eventually, startStack, type Stack } from '../support/stack';
import { createNamespace, operatorCli, type Cli, type CliResult } from './cli';
import { fill, runbookCommands, type RunbookCommand } from './runbook';

const commands = runbookCommands();
const used = new Set<RunbookCommand>();
let stack: Stack;
let cli: Cli;

beforeAll(async () => {
  const namespace = `hostflow-runbook-${randomUUID().slice(0, 8)}`;
  cli = await operatorCli({ address: process.env.HOSTFLOW_TEST_TEMPORAL_ADDRESS ?? '', namespace });
  const { register, again } = await createNamespace(cli, namespace);
  // infra/search-attributes.sh on a cluster without them, then again: idempotent.
  expect(register).toMatchObject({ code: 0, stdout: expect.stringContaining('ok: InstanceStatus (Keyword, added)') });
  expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('ok: InstanceStatus (Keyword, already registered)') });
  stack = await startStack({ temporal: { namespace }, ownDatabase: true, worker: false });
  // The health monitor checks the sandbox's gateways; alerts go to its Slack-compatible receiver.
  await stack.startWorker({ env: { HEALTH_URL_TEMPLATE: stack.sandbox.healthUrlTemplate, ALERT_WEBHOOK_URL: stack.sandbox.alertWebhookUrl } });
  // The sweep schedules in this namespace, as `npm run schedules` makes them, with the worker's
  // intervals (5 min, 1 h): a run they start meanwhile is one more sweep, which the checks allow.
  const { fleet } = stack.config;
  await ensureSchedules(stack.client, { taskQueue: stack.env.TEMPORAL_TASK_QUEUE!, healthIntervalMs: fleet.healthSweepIntervalMs, driftIntervalMs: fleet.driftSweepIntervalMs });
}, 120_000);
afterAll(() => stack?.close());

/** The runbook command of `situation` containing `marker`, filled in, run; it must succeed. */
async function run(situation: string, marker: string, values: Record<string, string>): Promise<CliResult> {
  const command = commands.find((c) => c.situation === situation && c.kind === 'sh' && c.text.includes(marker));
  if (!command) throw new Error(`the runbook has no command containing "${marker}" under "### ${situation}"`);
  used.add(command);
  const result = await cli.sh(fill(command.text, values));
  if (result.code !== 0) throw new Error(`${command.text} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/** Run it until its output passes `check` (visibility and signals take a moment). */
async function runUntil(situation: string, marker: string, values: Record<string, string>, check: (out: string) => boolean, what: string): Promise<string> {
  return eventually(async () => {
    const { stdout } = await run(situation, marker, values);
    return check(stdout) ? stdout : undefined;
  }, { what, timeoutMs: 30_000 });
}

async function instance(id: string): Promise<any> {
  return (await stack.call('GET', `/api/instances/${id}`)).body;
}

async function untilStatus(id: string, status: string, timeoutMs = 30_000): Promise<any> {
  return eventually(async () => {
    const body = await instance(id);
    return body?.status === status ? body : undefined;
  }, { what: `instance ${id} to be ${status}`, timeoutMs });
}

let serviceId = 9100;
async function create(plan: string): Promise<{ id: string; hostname: string }> {
  const hostname = `rb-${++serviceId}`;
  const answer = await stack.call('POST', '/api/instances', {
    whmcs_service_id: serviceId,
    whmcs_client_id: 5,
    email: `ops${serviceId}@example.com`,
    plan,
    region: 'eu-frankfurt',
    hostname,
  });
  expect(answer.status).toBe(202);
  return { id: answer.body.id, hostname };
}

async function request(id: string, path: string, body: unknown = {}): Promise<number> {
  const answer = await stack.call('POST', `/api/instances/${id}/${path}`, body);
  expect(answer.status).toBe(202);
  return answer.body.operation.seq ?? Number(String(answer.body.operation.workflow_id).split('-').pop());
}

const refuse = (route: string) => [{ route, errorRate: 1, status: 403, code: 'forbidden', message: 'action not allowed on this project' }];

// I1 goes through a stuck provision, an outage and attention; I2 through a skipped resize and a
// terminate whose workflow someone terminated by hand.
let i1: { id: string; hostname: string };

describe('the operator runbook in README.md', () => {
  it('Provision stuck waiting for ready: found, read, and freed by a ready signal sent by hand', async () => {
    const S = 'Provision stuck waiting for ready';
    stack.sandbox.setVmMode('never');
    try {
      i1 = await create('professional');
      await eventually(async () => ((await instance(i1.id))?.dns?.record_id ? true : undefined), { what: 'the DNS record' });
      const v = { 'instance-id': i1.id };
      await runUntil(S, 'provisionWorkflow', v, (out) => out.includes(`instance-${i1.id}/provision-1`), 'the stuck provision in the list');
      await runUntil(S, 'metadata', v, (out) => out.includes('Waiting for the VPS to call back ready'), 'current details of the provision');
      await run(S, '--name ready', v);
      await untilStatus(i1.id, 'running');
    } finally {
      stack.sandbox.setVmMode('once');
    }
  });

  it('Find an instance: its workflows, summary, current details and state from its id alone', async () => {
    const S = 'Find an instance, see what it is doing';
    const v = { 'instance-id': i1.id };
    const list = await run(S, 'workflow list', v);
    expect(list.stdout).toContain(`instance-${i1.id}/provision-1`);
    expect(list.stdout).toMatch(new RegExp(`instance-${i1.id}\\s`));
    const described = await run(S, 'workflow describe', v);
    expect(described.stdout).toContain(`Instance ${i1.hostname} · professional · eu-frankfurt`);
    await runUntil(S, 'metadata', v, (out) => out.includes('running · professional'), 'the entity details to say running');
    const state = await run(S, '--name state', v);
    expect(state.stdout).toMatch(/"status":\s*"running"/);
    expect(state.stdout).toContain(i1.id);
  });

  it('Provider outage: retries show the provider error; the batch retry repairs what landed in attention', async () => {
    const S = 'Provider outage (Hetzner or Cloudflare failing)';
    stack.sandbox.setFaults([{ route: 'POST /v1/servers/:id/actions/shutdown', errorRate: 1, status: 503, code: 'service_error', message: 'maintenance' }]);
    const seq = await request(i1.id, 'suspend');
    const v = { 'instance-id': i1.id, op: 'suspend', n: String(seq) };
    // Visibility lags the start of the operation by a moment.
    await runUntil(S, 'workflow count', v, (out) => /Total: [1-9]/.test(out), 'the running operation to be counted');
    const described = await runUntil(S, 'workflow describe', v, (out) => out.includes('503'), 'the retrying activity and its last failure');
    expect(described).toContain('service_error');
    // The provider now refuses for good: the operation stops in attention.
    stack.sandbox.setFaults(refuse('POST /v1/servers/:id/actions/shutdown'));
    await untilStatus(i1.id, 'attention');
    await runUntil(S, 'workflow list', v, (out) => out.includes(`instance-${i1.id}`), 'the instance among those in attention');
    stack.sandbox.setFaults([]);
    await run(S, '--name retry', v);
    await untilStatus(i1.id, 'suspended');
  });

  it('Instance in attention: the details say what broke and what to do; retry, skip and abort repair it', async () => {
    const S = 'Instance in attention';
    const v = { 'instance-id': i1.id };
    const poweron = 'POST /v1/servers/:id/actions/poweron';
    stack.sandbox.setFaults(refuse(poweron));
    await request(i1.id, 'unsuspend');
    await untilStatus(i1.id, 'attention');
    await runUntil(S, "InstanceStatus = \"attention\"'", v, (out) => out.includes(`instance-${i1.id}`), 'the instance in the attention list');
    const metadata = await runUntil(S, 'metadata', v, (out) => out.includes('NEEDS AN OPERATOR'), 'the attention details');
    for (const words of ['unsuspend', i1.id, 'Hetzner 403 forbidden', '"retry"']) expect(metadata).toContain(words);
    const state = await run(S, '--name state', v);
    expect(state.stdout).toMatch(/"status":\s*"attention"/);

    // retry while the cause is still there: it runs again, and stops in attention again.
    const calls = () => stack.sandbox.state().requests[poweron] ?? 0;
    const before = calls();
    await run(S, '--name retry', v);
    await eventually(async () => (calls() > before ? true : undefined), { what: 'the retried power-on' });
    await untilStatus(i1.id, 'attention');
    await run(S, '--name skip', v);
    const skipped = await untilStatus(i1.id, 'suspended');
    expect(skipped.last_error).toContain('skipped by an operator');

    await request(i1.id, 'unsuspend');
    await untilStatus(i1.id, 'attention');
    stack.sandbox.setFaults([]);
    await run(S, '--name abort', v);
    await untilStatus(i1.id, 'terminated');
    expect(serversOf(stack.sandbox, i1.id)).toHaveLength(0);
  });

  let i2: { id: string; hostname: string };
  it('Wrong plan after a resize: the state shows the real plan; the API request fixes it', async () => {
    const S = 'Wrong plan after a resize';
    i2 = await create('starter');
    await untilStatus(i2.id, 'running');
    stack.sandbox.setFaults(refuse('POST /v1/servers/:id/actions/change_type'));
    const seq = await request(i2.id, 'resize', { plan: 'professional' });
    await untilStatus(i2.id, 'attention');
    // Someone skipped it: billing says professional, the server is still starter.
    await stack.client.workflow.getHandle(`instance-${i2.id}`).signal('skip', { operator: 'test' });
    await untilStatus(i2.id, 'running');
    stack.sandbox.setFaults([]);

    const v = { 'instance-id': i2.id };
    await runUntil(S, 'resizeWorkflow', v, (out) => out.includes(`instance-${i2.id}/resize-${seq}`), 'the resize in the list');
    const state = await run(S, '--name state', v);
    expect(state.stdout).toMatch(/"plan":\s*"starter"/);

    const http = commands.find((c) => c.situation === S && c.kind === 'http');
    if (!http) throw new Error(`the runbook has no API request under "### ${S}"`);
    used.add(http);
    const [, method, path, body] = /^(\w+) (\S+) (.*)$/.exec(fill(http.text, v)) ?? [];
    const answer = await stack.call(method!, path!, JSON.parse(body!));
    expect(answer.status).toBe(202);
    await eventually(async () => ((await instance(i2.id))?.plan === 'professional' && (await instance(i2.id)).status === 'running' ? true : undefined), { what: 'the plan to be professional' });
    expect(serversOf(stack.sandbox, i2.id)[0]).toMatchObject({ server_type: { name: 'cpx32' } });
  });

  it('Re-run a failed terminate: reset brings back a terminated entity, retry finishes the terminate', async () => {
    const S = 'Re-run a failed terminate';
    stack.sandbox.setFaults(refuse('DELETE /v1/servers/:id'));
    expect((await stack.call('DELETE', `/api/instances/${i2.id}`, {})).status).toBe(202);
    await untilStatus(i2.id, 'attention');
    // The mistake: the entity workflow terminated by hand while its server still exists.
    await stack.client.workflow.getHandle(`instance-${i2.id}`).terminate('clicked Terminate by mistake');
    const v = { 'instance-id': i2.id };
    await runUntil(S, 'WorkflowType = "instanceWorkflow"', v, (out) => out.includes('Terminated'), 'the terminated entity in the list');
    await run(S, 'workflow reset', v);
    const described = await stack.client.workflow.getHandle(`instance-${i2.id}`).describe();
    expect(described.status.name).toBe('RUNNING');
    stack.sandbox.setFaults([]);
    await run(S, '--name retry', v);
    await untilStatus(i2.id, 'terminated');
    expect(serversOf(stack.sandbox, i2.id)).toHaveLength(0);
  });

  it('Fleet health and drift sweeps: both schedules listed and described; a pause is shown and lifted; a trigger runs a drift sweep', async () => {
    const S = 'Fleet health and drift sweeps (the schedules)';
    const list = await runUntil(S, 'schedule list', {}, (out) => out.includes(HEALTH_SWEEP_SCHEDULE_ID) && out.includes(DRIFT_SWEEP_SCHEDULE_ID), 'both schedules in the list');
    expect(list).toContain('healthSweepWorkflow');
    expect(list).toContain('driftSweepWorkflow');
    const described = await run(S, 'schedule describe', {});
    expect(described.stdout).toContain(HEALTH_SWEEP_SCHEDULE_ID);
    expect(described.stdout).toContain('healthSweepWorkflow');
    expect(described.stdout).toContain('Fleet health sweep');

    const health = stack.client.schedule.getHandle(HEALTH_SWEEP_SCHEDULE_ID);
    await run(S, '--pause', {});
    expect((await health.describe()).state).toMatchObject({ paused: true, note: 'gateway release in progress' });
    const paused = await run(S, 'schedule describe', {});
    expect(paused.stdout).toMatch(/Paused\s+true/);
    expect(paused.stdout).toContain('gateway release in progress');
    await run(S, '--unpause', {});
    expect((await health.describe()).state).toMatchObject({ paused: false, note: 'release done' });

    const drift = stack.client.schedule.getHandle(DRIFT_SWEEP_SCHEDULE_ID);
    const runsBefore = (await drift.describe()).info.recentActions.length;
    await run(S, 'schedule trigger', {});
    const started = await eventually(async () => {
      const { info } = await drift.describe();
      return info.recentActions.length > runsBefore ? info.recentActions.at(-1)!.action.workflow.workflowId : undefined;
    }, { what: 'the triggered drift sweep to start', timeoutMs: 30_000 });
    expect(started).toMatch(/^drift-sweep-/);
    // The run the trigger started, finished, among the newest drift sweeps.
    await stack.client.workflow.getHandle(started).result();
    await runUntil(S, 'driftSweepWorkflow', {}, (out) => new RegExp(`Completed\\s+${started}\\s`).test(out), 'the triggered drift sweep, completed, in the list');
  });

  it('Instance unhealthy: three failed health sweeps make it unhealthy, and the query finds it', async () => {
    const S = 'Instance unhealthy';
    // A gateway that fails for real (the sandbox's health mode), checked by health sweeps started
    // directly, one after another — the workflow the hostflow-health-sweep schedule starts.
    const i3 = await create('starter');
    const view = await untilStatus(i3.id, 'running', 60_000);
    stack.sandbox.setHealthMode('failing', Number(view.server.id));
    const sweep = () => stack.client.workflow.execute('healthSweepWorkflow', { args: [{}], taskQueue: stack.env.TEMPORAL_TASK_QUEUE!, workflowId: `runbook-health-sweep-${randomUUID()}` });
    const unhealthyAfter = stack.config.fleet.settings.unhealthyAfter;
    for (let n = 0; n < unhealthyAfter; n += 1) await sweep();
    const health = (await instance(i3.id)).health;
    expect(health).toMatchObject({ status: 'unhealthy' });
    expect(health.consecutive_failures).toBeGreaterThanOrEqual(unhealthyAfter);
    await runUntil(S, 'Health = "unhealthy"', {}, (out) => new RegExp(`instance-${i3.id}\\s`).test(out), 'the unhealthy instance in the list');
    // One alert went out for it, and its Details say so.
    const alerts = () => stack.sandbox.state().alerts.map((a) => a.body as unknown as { instance_id: string | null; kind: string; severity: string });
    await eventually(async () => (alerts().some((a) => a.instance_id === i3.id && a.kind === 'unhealthy') ? true : undefined), { what: 'the unhealthy alert' });
    expect(alerts().filter((a) => a.instance_id === i3.id).map((a) => `${a.kind} ${a.severity}`)).toEqual(['unhealthy critical']);
    await eventually(async () => ((await cli.sh(`temporal workflow metadata --workflow-id instance-${i3.id}`)).stdout.includes('UNHEALTHY') ? true : undefined), { what: 'UNHEALTHY in the Details' });
  }, 180_000);

  it('ran every command and request the runbook shows', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.filter((c) => !used.has(c)).map((c) => `${c.situation}: ${c.text}`)).toEqual([]);
  });
});
