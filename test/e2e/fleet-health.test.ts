// Fleet health end to end (issue 16), through the real stack: the sweeps read this file's own
// database and check each gateway's health endpoint on the sandbox's VM simulator; alerts go to
// the sandbox's Slack-compatible receiver. Sweeps are started directly (the schedule would start
// the same workflow every 5 minutes), one after another, so "after N sweeps" is exact.
import { randomUUID } from 'node:crypto';
import type { HealthMode } from '../../sandbox/types';
import { HEALTH_MONITOR } from '../../workflows/fleet-types';
import { instanceWorkflowId } from '../../workflows/ids';
import { SA_HEALTH } from '../../workflows/search-attributes';
import { createInstance, getInstance, operationsOf, requestOperation, untilOperationDone, untilStatus, type Created } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';

const UNHEALTHY_AFTER = 3;
const REBOOT_AFTER = 10;
const SHORT_RETRY = { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 5 };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ownDatabase: true, worker: false });
  await stack.startWorker({
    env: {
      HEALTH_URL_TEMPLATE: stack.sandbox.healthUrlTemplate,
      ALERT_WEBHOOK_URL: stack.sandbox.alertWebhookUrl,
      HEALTH_CHECK_TIMEOUT: '2s',
      HEALTH_UNHEALTHY_AFTER: String(UNHEALTHY_AFTER),
      HEALTH_REBOOT_AFTER: String(REBOOT_AFTER),
      HEALTH_MAX_AUTO_REBOOTS: '1',
    },
  });
}, 120_000);
afterAll(() => stack?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Vm extends Created {
  serverId: number;
}

async function runningVm(): Promise<Vm> {
  const created = await createInstance(stack);
  const view = await untilStatus(stack, created.id, 'running', 240_000);
  return { ...created, serverId: Number(view.server.id) };
}

let sweeps = 0;
/** One health sweep, start to finish (the same workflow the hostflow-health-sweep schedule starts). */
async function sweep(): Promise<{ checked: number; changes: number; delivered: number }> {
  sweeps += 1;
  return stack.client.workflow.execute('healthSweepWorkflow', {
    taskQueue: stack.env.TEMPORAL_TASK_QUEUE!,
    workflowId: `test-health-sweep-${sweeps}-${randomUUID()}`,
    args: [{ retry: SHORT_RETRY }],
  });
}

const setHealth = (vm: Vm, mode: HealthMode) => stack.sandbox.setHealthMode(mode, vm.serverId);
const checksOf = (vm: Vm): number => stack.sandbox.state().health_checks[String(vm.serverId)] ?? 0;
const healthOf = async (vm: Vm) => (await getInstance(stack, vm.id)).health;

interface AlertBody {
  key: string;
  kind: string;
  severity: string;
  instance_id: string | null;
  text: string;
}
const alertsOf = (vm: Vm): AlertBody[] => stack.sandbox.state().alerts.map((a) => a.body as unknown as AlertBody).filter((b) => b.instance_id === vm.id);
const alertSummary = (vm: Vm) => alertsOf(vm).map((a) => `${a.kind} ${a.severity}`);

async function untilAlerts(vm: Vm, expected: string[]): Promise<void> {
  await eventually(async () => (JSON.stringify(alertSummary(vm)) === JSON.stringify(expected) ? true : undefined), {
    what: `alerts of ${vm.hostname} to be ${JSON.stringify(expected)} (now ${JSON.stringify(alertSummary(vm))})`,
    timeoutMs: 60_000,
  });
}

async function healthAttribute(vm: Vm): Promise<string | undefined> {
  return (await stack.client.workflow.getHandle(instanceWorkflowId(vm.id)).describe()).typedSearchAttributes.get(SA_HEALTH);
}

const operationSummary = async (vm: Vm) =>
  ((await operationsOf(stack, vm.id)) as unknown as { type: string; status: string; requested_by: string }[]).map((o) => `${o.type} ${o.status} ${o.requested_by}`);

describe('fleet health through the real stack', () => {
  let failing: Vm;
  let flapping: Vm;
  let suspended: Vm;

  beforeAll(async () => {
    [failing, flapping, suspended] = await Promise.all([runningVm(), runningVm(), runningVm()]);
    const suspend = await requestOperation(stack, suspended.id, 'suspend');
    await untilOperationDone(stack, suspended.id, suspend.id, 60_000);
    await untilStatus(stack, suspended.id, 'suspended');
  }, 600_000);

  it('a failing VM goes unhealthy after 3 sweeps, is rebooted once after 10, and is healthy again after it recovers: one alert per transition', async () => {
    // A first sweep with every gateway answering: healthy, and nothing to tell anybody.
    await sweep();
    const first = await healthOf(failing);
    expect(first).toMatchObject({ status: 'healthy', consecutive_failures: 0 });
    expect(first.last_checked_at).toEqual(expect.any(String));
    expect(first.last_ok_at).toEqual(first.last_checked_at);
    const lastOk = first.last_ok_at as string;

    setHealth(failing, 'failing');
    setHealth(flapping, 'flapping');
    for (let n = 1; n < UNHEALTHY_AFTER; n += 1) {
      await sweep();
      expect(await healthOf(failing)).toMatchObject({ status: 'healthy', consecutive_failures: n, last_ok_at: lastOk });
    }
    expect(alertsOf(failing)).toEqual([]);

    // The third failure in a row: unhealthy (the read model, the entity's Health attribute, one alert).
    await sweep();
    const unhealthy = await healthOf(failing);
    expect(unhealthy).toMatchObject({ status: 'unhealthy', consecutive_failures: UNHEALTHY_AFTER, last_ok_at: lastOk });
    expect(Date.parse(unhealthy.last_checked_at)).toBeGreaterThan(Date.parse(lastOk));
    await untilAlerts(failing, ['unhealthy critical']);
    await eventually(async () => ((await healthAttribute(failing)) === 'unhealthy' ? true : undefined), { what: 'Health = unhealthy on the entity' });

    // Still failing, but no reboot before the tenth failure.
    for (let n = UNHEALTHY_AFTER + 1; n < REBOOT_AFTER; n += 1) {
      await sweep();
      expect(await healthOf(failing)).toMatchObject({ status: 'unhealthy', consecutive_failures: n });
    }
    expect(await operationSummary(failing)).toEqual([expect.stringMatching(/^provision succeeded /)]);

    // The tenth: a reboot through the entity's own queue, requested by the health monitor.
    await sweep();
    const reboot = await eventually(
      async () => ((await operationsOf(stack, failing.id)) as unknown as { id: string; type: string; requested_by: string }[]).find((o) => o.type === 'reboot'),
      { what: 'the automatic reboot to be queued', timeoutMs: 60_000 },
    );
    expect(reboot.requested_by).toBe(HEALTH_MONITOR);
    expect((await untilOperationDone(stack, failing.id, reboot.id, 120_000)).status).toBe('succeeded');
    await untilStatus(stack, failing.id, 'running', 60_000);
    await untilAlerts(failing, ['unhealthy critical', 'health_reboot warning']);

    // The reboot did not help (the gateway still fails): no second automatic reboot this episode.
    await sweep();
    await sweep();
    expect(await healthOf(failing)).toMatchObject({ status: 'unhealthy' });
    expect((await healthOf(failing)).consecutive_failures).toBeGreaterThan(REBOOT_AFTER);
    expect(await operationSummary(failing)).toEqual([expect.stringMatching(/^provision succeeded /), `reboot succeeded ${HEALTH_MONITOR}`]);

    // The gateway answers again: healthy on the first success, one "resolved" alert.
    setHealth(failing, 'healthy');
    await sweep();
    const recovered = await healthOf(failing);
    expect(recovered).toMatchObject({ status: 'healthy', consecutive_failures: 0 });
    expect(recovered.last_ok_at).toEqual(recovered.last_checked_at);
    expect(Date.parse(recovered.last_ok_at)).toBeGreaterThan(Date.parse(lastOk));
    await untilAlerts(failing, ['unhealthy critical', 'health_reboot warning', 'unhealthy resolved']);
    await eventually(async () => ((await healthAttribute(failing)) === 'healthy' ? true : undefined), { what: 'Health = healthy on the entity' });

    // Healthy sweeps after that change nothing; no alert is ever repeated.
    await sweep();
    await sleep(2_000);
    expect(alertSummary(failing)).toEqual(['unhealthy critical', 'health_reboot warning', 'unhealthy resolved']);
    expect(new Set(alertsOf(failing).map((a) => a.key)).size).toBe(3);
    expect(await operationSummary(failing)).toHaveLength(2);
  }, 900_000);

  it('a flapping VM never reaches the reboot', async () => {
    // It was checked by every sweep of the test above, alternating failure and success.
    expect(checksOf(flapping)).toBe(sweeps);
    const health = await healthOf(flapping);
    expect(health.status).toBe('healthy');
    expect(health.consecutive_failures).toBeLessThanOrEqual(1);
    expect(await operationSummary(flapping)).toEqual([expect.stringMatching(/^provision succeeded /)]);
    expect(alertsOf(flapping)).toEqual([]);
    expect(await healthAttribute(flapping)).toBeUndefined();
  });

  it('a suspended instance is never checked', async () => {
    expect(sweeps).toBeGreaterThan(REBOOT_AFTER);
    expect(checksOf(suspended)).toBe(0);
    const health = await healthOf(suspended);
    expect(health?.last_checked_at ?? null).toBeNull();
    expect(alertsOf(suspended)).toEqual([]);
    expect((await getInstance(stack, suspended.id)).status).toBe('suspended');
  });
});
