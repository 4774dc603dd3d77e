// Day two at the workflow level: what an entity does with the health monitor's changes and the
// drift sweep's notices (record, alert once per episode, show `Health`, queue through its own
// queue), the alerts of its own lifecycle, and what the two sweep workflows do with what their
// scans return. Stub activities; the real sweeps and providers are test/e2e/fleet-*.test.ts.
import { randomUUID } from 'node:crypto';
import type { Alert, DriftFinding, HealthChange } from '../../workflows/fleet-types';
import { FailureType } from '../../workflows/failure-types';
import { driftFoundSignal, healthChangedSignal } from '../../workflows/messages';
import { SA_HEALTH } from '../../workflows/search-attributes';
import { eventually, FLEET, startHarness, type Harness, type TestInstance } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('monitoring');
});
afterAll(() => h?.close());

const change = (kind: HealthChange['kind'], episode = 1, consecutiveFailures = 3): HealthChange => ({
  key: `health:${episode}:${kind}`,
  kind,
  episode,
  consecutiveFailures,
  checkedAt: '2026-11-29T03:00:00.000Z',
  reason: 'https://x/healthz: HTTP 503',
});

/** The alerts delivered for an instance (or the fleet), as the alert workflows posted them. */
const alertsOf = (id: string): Alert[] =>
  h.stubs
    .of(id)
    .calls.filter((c) => c.activity === 'deliverAlert' && c.outcome === 'ok')
    .map((c) => c.input as Alert);

const untilAlerts = (id: string, n: number): Promise<Alert[]> =>
  eventually(async () => (alertsOf(id).length >= n ? alertsOf(id) : undefined), `${n} alert(s) for ${id}`);

const untilEvent = (instance: TestInstance, kind: string) => instance.untilState(() => instance.events().includes(kind), `event ${kind}`);

async function healthAttribute(instance: TestInstance): Promise<string | undefined> {
  return (await instance.handle.describe()).typedSearchAttributes.get(SA_HEALTH);
}

describe('health changes', () => {
  it('unhealthy: one event, one alert and Health=unhealthy, however often the change is delivered', async () => {
    const instance = await h.running();
    await instance.handle.signal(healthChangedSignal, change('unhealthy'));
    await instance.handle.signal(healthChangedSignal, change('unhealthy'));
    await untilEvent(instance, 'health.unhealthy');
    const [alert] = await untilAlerts(instance.id, 1);
    expect(alert).toMatchObject({ key: `unhealthy:${instance.id}:1`, kind: 'unhealthy', severity: 'critical', subdomain: instance.spec.subdomain });
    expect(await instance.state()).toMatchObject({ status: 'running', health: 'unhealthy' });
    await eventually(async () => ((await healthAttribute(instance)) === 'unhealthy' ? true : undefined), 'Health=unhealthy');
    // A redelivered change is the same change.
    await instance.handle.signal(healthChangedSignal, change('unhealthy'));
    await instance.state();
    expect(instance.events().filter((e) => e === 'health.unhealthy')).toHaveLength(1);
    expect(alertsOf(instance.id)).toHaveLength(1);
  });

  it('reboot_due queues a reboot requested by the health monitor through the queue; recovered resolves the alert', async () => {
    const instance = await h.running();
    await instance.handle.signal(healthChangedSignal, change('unhealthy'));
    await instance.handle.signal(healthChangedSignal, change('reboot_due', 1, 10));
    await untilEvent(instance, 'health.reboot_requested');
    const reserved = await eventually(async () => instance.calls().find((c) => c.activity === 'reserveOperation'), 'the reboot reserved');
    expect(reserved.input).toMatchObject({ type: 'reboot', requestedBy: 'health-monitor', reservationKey: 'health:1:reboot_due' });
    await instance.untilState(() => instance.providerCalls().includes('rebootServer'), 'the reboot ran');
    await instance.untilSettled('running');
    await instance.handle.signal(healthChangedSignal, change('recovered', 1, 11));
    await untilEvent(instance, 'health.recovered');
    const alerts = await untilAlerts(instance.id, 3);
    expect(alerts.map((a) => [a.kind, a.severity, a.key])).toEqual([
      ['unhealthy', 'critical', `unhealthy:${instance.id}:1`],
      ['health_reboot', 'warning', `${instance.id}:health:1:reboot_due`],
      ['unhealthy', 'resolved', `unhealthy:${instance.id}:1:resolved`],
    ]);
    await eventually(async () => ((await healthAttribute(instance)) === 'healthy' ? true : undefined), 'Health=healthy');
  });

  it('reboot_due for an instance that is not running queues nothing', async () => {
    const instance = await h.running();
    await instance.untilDone(await instance.request('suspend'));
    await instance.handle.signal(healthChangedSignal, change('reboot_due', 2, 10));
    await untilEvent(instance, 'health.reboot_requested');
    expect(instance.records().find((r) => r.event.kind === 'health.reboot_requested')?.event.message).toContain('not requested (instance is suspended)');
    expect(instance.calls().some((c) => c.activity === 'reserveOperation')).toBe(false);
  });
});

describe('drift notices', () => {
  it('server vanished: a reboot by the drift monitor confirms it, the instance stops in attention, alerted and resolved once', async () => {
    const instance = await h.running();
    h.stubs.fail(instance.id, 'rebootServer', { type: FailureType.InvalidInput, nonRetryable: true, message: 'has no server at Hetzner' });
    await instance.handle.signal(driftFoundSignal, { key: 'server_vanished:1', kind: 'server_vanished', serverId: 1, message: 'Hetzner has no server 1', repairPower: false });
    await instance.handle.signal(driftFoundSignal, { key: 'server_vanished:1', kind: 'server_vanished', serverId: 1, message: 'Hetzner has no server 1', repairPower: false });
    const state = await instance.untilState((s) => s.status === 'attention', 'attention');
    expect(state.attention?.error).toContain('has no server at Hetzner');
    expect(instance.events().filter((e) => e === 'drift.server_vanished')).toHaveLength(1);
    const [attention] = await untilAlerts(instance.id, 1);
    expect(attention).toMatchObject({ kind: 'attention', severity: 'critical', details: { requested_by: 'drift-monitor' } });
    await instance.skip();
    const alerts = await untilAlerts(instance.id, 2);
    expect(alerts[1]).toMatchObject({ kind: 'attention', severity: 'resolved', key: `${attention!.key}:resolved` });
  });

  it('server off: recorded only, unless the sweep says to power it on', async () => {
    const instance = await h.running();
    await instance.handle.signal(driftFoundSignal, { key: 'server_off:7', kind: 'server_off', serverId: 7, message: 'server 7 is off', repairPower: false });
    await untilEvent(instance, 'drift.server_off');
    expect(instance.providerCalls()).not.toContain('rebootServer');
    await instance.handle.signal(driftFoundSignal, { key: 'server_off:8', kind: 'server_off', serverId: 7, message: 'server 7 is off', repairPower: true });
    await instance.untilState(() => instance.providerCalls().includes('rebootServer'), 'the power-on reboot');
    const reserved = instance.calls().find((c) => c.activity === 'reserveOperation');
    expect(reserved?.input).toMatchObject({ requestedBy: 'drift-monitor', reservationKey: 'server_off:8' });
  });
});

describe('lifecycle alerts', () => {
  it('a failed provision is alerted once', async () => {
    const instance = await h.start();
    h.stubs.fail(instance.id, 'createServer', { type: FailureType.ProviderRefused, nonRetryable: true, message: 'quota exceeded' });
    await instance.untilState((s) => s.status === 'failed' || s.status === 'attention', 'the provision to end');
    const state = await instance.state();
    const alerts = await untilAlerts(instance.id, 1);
    expect(alerts[0]!.kind).toBe(state.status === 'failed' ? 'provision_failed' : 'attention');
  });
});

describe('the sweeps', () => {
  const run = (workflow: string) =>
    h.client.workflow.execute(workflow, { taskQueue: h.taskQueue, workflowId: `${workflow}-${randomUUID()}`, args: [{ retry: { initialIntervalMs: 10, maximumIntervalMs: 50, maximumAttempts: 2 } }] });

  it('health: checks the fleet, then delivers the changes', async () => {
    const before = h.stubs.of(FLEET).calls.length;
    h.stubs.fleet.health = { sweepId: '', checked: 12, healthy: 11, failing: 1, alreadyChecked: 0, changes: 1 };
    const report = await run('healthSweepWorkflow');
    const calls = h.stubs.of(FLEET).calls.slice(before);
    expect(calls.map((c) => c.activity)).toEqual(['checkFleetHealth', 'deliverHealthChanges']);
    expect(calls[0]!.input.sweepId).toMatch(/^healthSweepWorkflow-/);
    expect(report).toMatchObject({ checked: 12, failing: 1, delivered: 0 });
  });

  it('drift: acts on each finding as the scan decided, alerts new and resolved episodes once', async () => {
    const instance = await h.running();
    const id = instance.id;
    const base = { isNew: true, instanceId: id, subdomain: instance.spec.subdomain };
    const findings: DriftFinding[] = [
      { ...base, key: `dns_mismatch:r1`, kind: 'dns_mismatch', action: 'repair_dns', episodeId: 101, recordId: 'r1', expected: '203.0.113.9', found: '198.51.100.1', message: 'record points at 198.51.100.1' },
      { ...base, key: 'server_off:55', kind: 'server_off', action: 'notify', episodeId: 102, serverId: 55, message: 'server 55 is off' },
      { ...base, key: 'server_off:56', kind: 'server_off', action: 'notify', episodeId: 103, serverId: 56, isNew: false, message: 'still off' },
      { key: 'orphan_server:77', kind: 'orphan_server', action: 'delete_orphan', isNew: true, episodeId: 104, serverId: 77, ageSeconds: 90_000, message: 'orphan server 77' },
    ];
    const resolved: DriftFinding[] = [{ ...base, key: 'dns_missing:x', kind: 'dns_missing', action: 'repair_dns', isNew: false, episodeId: 99, message: 'record missing' }];
    h.stubs.fleet.drift = { findings, resolved, truncated: false, counts: { servers: 3, records: 2, instances: 1, open: 3 } };
    h.stubs.fail(id, 'repairDnsRecord', { type: 'DnsNameTaken', nonRetryable: true, message: 'the name is taken by a record Hostflow does not own' });
    const report = await run('driftSweepWorkflow');
    // The failed repair is reported; the findings after it were still acted on.
    expect(report).toMatchObject({ acted: 4, resolved: 1, failed: [expect.stringContaining('dns_mismatch:r1: the name is taken')] });
    expect(instance.calls().filter((c) => c.activity === 'repairDnsRecord').map((c) => [c.input.key, c.outcome])).toEqual([['dns_mismatch:r1', 'failed']]);
    expect(h.stubs.of(FLEET).calls.filter((c) => c.activity === 'deleteOrphan').map((c) => c.input.key)).toContain('orphan_server:77');
    // Only the new server_off reaches the instance.
    await untilEvent(instance, 'drift.server_off');
    expect(instance.events().filter((e) => e === 'drift.server_off')).toHaveLength(1);
    const alerts = await untilAlerts(id, 3);
    expect(alerts.map((a) => a.key).sort()).toEqual(['drift:101', 'drift:102', 'drift:99:resolved']);
    await eventually(async () => (alertsOf(FLEET).some((a) => a.key === 'drift:104') ? true : undefined), 'the orphan alert');
  });
});
