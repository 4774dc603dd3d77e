// Drift reconciliation end to end (issue 16), through the real stack. Each kind of drift is made
// behind Hostflow's back through the sandbox providers' own routes, with the project's tokens, as
// a person in the Hetzner console or the Cloudflare dashboard would; the sweep is started directly
// (the hostflow-drift-sweep schedule starts the same workflow every hour). Nothing is powered on
// or deleted without the opt-in flags; orphans go only past the grace (the sandbox backdates them).
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { events } from '../../schema/tables';
import { DRIFT_MONITOR } from '../../workflows/fleet-types';
import { createInstance, getInstance, operationsOf, untilOperationDone, untilStatus, type Created } from '../support/lifecycle';
import { eventually, startStack, type Stack } from '../support/stack';
import { recordsNamed } from '../support/world';

const SHORT_RETRY = { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 5 };
const DAY_MS = 86_400_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ownDatabase: true, worker: false });
  await startWorker({});
}, 120_000);
afterAll(() => stack?.close());

/** The worker with the alert receiver and the given DRIFT_* settings (they are the worker's environment). */
async function startWorker(drift: Record<string, string>): Promise<void> {
  await stack.stopWorker();
  await stack.startWorker({ env: { ALERT_WEBHOOK_URL: stack.sandbox.alertWebhookUrl, HEALTH_URL_TEMPLATE: stack.sandbox.healthUrlTemplate, ...drift } });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sweeps = 0;
async function driftSweep(): Promise<{ acted: number; resolved: number; truncated: boolean; counts: Record<string, number> }> {
  sweeps += 1;
  return stack.client.workflow.execute('driftSweepWorkflow', {
    taskQueue: stack.env.TEMPORAL_TASK_QUEUE!,
    workflowId: `test-drift-sweep-${sweeps}-${randomUUID()}`,
    args: [{ retry: SHORT_RETRY }],
  });
}

// ---- behind Hostflow's back: the providers' own APIs with the project's tokens ----

async function hetzner(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${stack.env.HETZNER_API_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.env.HETZNER_API_TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Hetzner ${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function cloudflare(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${stack.env.CLOUDFLARE_API_URL}/zones/${stack.env.CLOUDFLARE_ZONE_ID}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Cloudflare ${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

interface Vm extends Created {
  serverId: number;
  ip: string;
  recordId: string;
}

async function runningVm(): Promise<Vm> {
  const created = await createInstance(stack);
  const view = await untilStatus(stack, created.id, 'running', 240_000);
  return { ...created, serverId: Number(view.server.id), ip: view.ip_address, recordId: view.dns.record_id };
}

/** A server with Hostflow's labels for an instance that never existed, created `ageMs` ago. */
async function orphanServer(ageMs: number): Promise<{ id: number; owner: string }> {
  const owner = randomUUID();
  const { server } = await hetzner('POST', '/servers', {
    name: `orphan-${owner.slice(0, 8)}`,
    server_type: 'cpx22',
    image: 'ubuntu-24.04',
    location: 'fsn1',
    labels: { 'hostflow-managed': 'true', 'hostflow-instance': owner },
  });
  if (ageMs > 0) stack.sandbox.backdateServer(server.id, new Date(Date.now() - ageMs));
  return { id: server.id, owner };
}

/** A record with Hostflow's comment for an instance that never existed, created `ageMs` ago. */
async function orphanRecord(ageMs: number): Promise<{ id: string; owner: string }> {
  const owner = randomUUID();
  const { result } = await cloudflare('POST', '/dns_records', {
    type: 'A',
    name: `orphan-${owner.slice(0, 8)}.${stack.config.domain}`,
    content: '203.0.113.250',
    ttl: 60,
    proxied: false,
    comment: `hostflow:instance=${owner}`,
  });
  if (ageMs > 0) stack.sandbox.backdateDnsRecord(result.id, new Date(Date.now() - ageMs));
  return { id: result.id, owner };
}

const serverExists = (id: number) => stack.sandbox.state().servers.some((s) => s['id'] === id);
const serverStatus = (id: number) => stack.sandbox.state().servers.find((s) => s['id'] === id)?.['status'];
const recordExists = (id: string) => stack.sandbox.state().dns_records.some((r) => r['id'] === id);

// ---- what Hostflow did about it ----

interface AlertBody {
  key: string;
  kind: string;
  severity: string;
  instance_id: string | null;
  details: Record<string, unknown>;
  text: string;
}
const alerts = (): AlertBody[] => stack.sandbox.state().alerts.map((a) => a.body as unknown as AlertBody);
const driftAlertsAbout = (match: (a: AlertBody) => boolean) => alerts().filter((a) => a.kind === 'drift' && match(a));
const aboutInstance = (vm: Vm) => (a: AlertBody) => a.instance_id === vm.id;
const aboutServer = (id: number) => (a: AlertBody) => a.details?.['server_id'] === id;
const aboutRecord = (id: string) => (a: AlertBody) => a.details?.['record_id'] === id;

async function untilOneAlert(what: string, match: (a: AlertBody) => boolean): Promise<AlertBody> {
  return eventually(async () => {
    const found = driftAlertsAbout(match);
    return found.length === 1 ? found[0] : undefined;
  }, { what: `one drift alert about ${what}`, timeoutMs: 60_000 });
}

async function eventKinds(vm: Vm): Promise<string[]> {
  const rows = await stack.database.db.select({ kind: events.kind }).from(events).where(eq(events.instanceId, vm.id)).orderBy(asc(events.id));
  return rows.map((r) => r.kind);
}

async function untilEvent(vm: Vm, kind: string): Promise<void> {
  await eventually(async () => {
    const rows = await stack.database.db.select({ id: events.id }).from(events).where(and(eq(events.instanceId, vm.id), eq(events.kind, kind)));
    return rows.length > 0 ? true : undefined;
  }, { what: `event ${kind} for ${vm.hostname}`, timeoutMs: 60_000 });
}

const operationSummary = async (vm: Vm) =>
  ((await operationsOf(stack, vm.id)) as unknown as { type: string; status: string; requested_by: string }[]).map((o) => `${o.type} ${o.status} ${o.requested_by}`);

describe('drift behind Hostflow\'s back (DRIFT_REPAIR_POWER and DRIFT_DELETE_ORPHANS unset)', () => {
  let vanished: Vm;
  let off: Vm;
  let edited: Vm;
  let bystander: Vm;
  let oldServer: { id: number; owner: string };
  let oldRecord: { id: string; owner: string };

  beforeAll(async () => {
    [vanished, off, edited, bystander] = await Promise.all([runningVm(), runningVm(), runningVm(), runningVm()]);
    // A clean world first: one sweep finds nothing.
    const clean = await driftSweep();
    expect(clean.acted).toBe(0);
    expect(alerts()).toEqual([]);

    await hetzner('DELETE', `/servers/${vanished.serverId}`);
    await hetzner('POST', `/servers/${off.serverId}/actions/poweroff`);
    await cloudflare('PATCH', `/dns_records/${edited.recordId}`, { content: '198.51.100.7' });
    // Two days old: past the default grace, but DRIFT_DELETE_ORPHANS is off.
    oldServer = await orphanServer(2 * DAY_MS);
    oldRecord = await orphanRecord(2 * DAY_MS);
    await eventually(async () => (serverStatus(off.serverId) === 'off' && !serverExists(vanished.serverId) ? true : undefined), { what: 'the changes at Hetzner' });
    await driftSweep();
  }, 900_000);

  it('a deleted server: the instance goes to attention, with an alert', async () => {
    const alert = await untilOneAlert('the vanished server', aboutInstance(vanished));
    expect(alert).toMatchObject({ severity: 'critical', details: { kind: 'server_vanished', server_id: vanished.serverId } });
    const view = await eventually(async () => {
      const v = await getInstance(stack, vanished.id);
      return v.status === 'attention' ? v : undefined;
    }, { what: 'the instance to be in attention', timeoutMs: 120_000 });
    expect(view.last_error).toEqual(expect.any(String));
    await untilEvent(vanished, 'drift.server_vanished');
    // The attention itself is alerted too, once.
    await eventually(async () => (alerts().filter((a) => a.kind === 'attention' && a.instance_id === vanished.id).length === 1 ? true : undefined), { what: 'the attention alert' });
    expect((await operationSummary(vanished)).filter((o) => o.startsWith('reboot'))).toEqual([expect.stringMatching(new RegExp(`^reboot \\w+ ${DRIFT_MONITOR}$`))]);
  }, 180_000);

  it('a server powered off: an event and an alert, and it stays off', async () => {
    const alert = await untilOneAlert('the server off', aboutInstance(off));
    expect(alert).toMatchObject({ severity: 'critical', details: { kind: 'server_off', server_id: off.serverId, action: 'notify' } });
    await untilEvent(off, 'drift.server_off');
    await sleep(3_000);
    expect(serverStatus(off.serverId)).toBe('off');
    expect(await operationSummary(off)).toEqual([expect.stringMatching(/^provision succeeded /)]);
  }, 120_000);

  it('an edited record is repaired', async () => {
    const record = await eventually(async () => recordsNamed(stack.sandbox, edited.fqdn).find((r) => r.content === edited.ip), { what: 'the record to point at the instance again', timeoutMs: 60_000 });
    // Upserted through the provision's own ensureDnsRecord: the stale record is replaced.
    expect(recordsNamed(stack.sandbox, edited.fqdn)).toEqual([record]);
    const alert = await untilOneAlert('the edited record', aboutInstance(edited));
    expect(alert).toMatchObject({ details: { kind: 'dns_mismatch', expected: edited.ip, found: '198.51.100.7' } });
    expect(await getInstance(stack, edited.id)).toMatchObject({ status: 'running', current_operation: null });
  });

  it('an orphan server and an orphan record: alerted with ids and age, never deleted without the flag', async () => {
    const server = await untilOneAlert('the orphan server', aboutServer(oldServer.id));
    expect(server.details).toMatchObject({ kind: 'orphan_server', action: 'alert_only', server_id: oldServer.id });
    expect(server.details['age_seconds']).toBeGreaterThanOrEqual((2 * DAY_MS) / 1000 - 60);
    const record = await untilOneAlert('the orphan record', aboutRecord(oldRecord.id));
    expect(record.details).toMatchObject({ kind: 'orphan_record', action: 'alert_only', record_id: oldRecord.id });
    expect(serverExists(oldServer.id)).toBe(true);
    expect(recordExists(oldRecord.id)).toBe(true);
  });

  it('the same drift seen again is not alerted again; a repaired record is alerted resolved once; an untouched instance is never part of it', async () => {
    const opened = () => alerts().filter((a) => a.kind === 'drift' && a.severity !== 'resolved');
    const before = opened().length;
    await driftSweep();
    await untilOneAlert('the repaired record, resolved', (a) => aboutInstance(edited)(a) && a.severity === 'resolved');
    await sleep(3_000);
    expect(opened()).toHaveLength(before);
    expect(driftAlertsAbout(aboutInstance(edited)).map((a) => a.severity)).toEqual(['warning', 'resolved']);
    expect(driftAlertsAbout(aboutInstance(off)).map((a) => a.severity)).toEqual(['critical']);
    expect(serverExists(oldServer.id) && recordExists(oldRecord.id)).toBe(true);
    expect(serverStatus(off.serverId)).toBe('off');
    expect(alerts().filter((a) => a.instance_id === bystander.id)).toEqual([]);
    expect(await eventKinds(bystander)).not.toContainEqual(expect.stringMatching(/^drift\./));
    expect(await operationSummary(bystander)).toEqual([expect.stringMatching(/^provision succeeded /)]);
  }, 120_000);

  it('a vanished server is not alerted "resolved" while it is still gone (its instance waits in attention)', async () => {
    expect(serverExists(vanished.serverId)).toBe(false);
    expect(driftAlertsAbout(aboutInstance(vanished)).map((a) => a.severity)).toEqual(['critical']);
  });

  describe('with DRIFT_REPAIR_POWER=true and DRIFT_DELETE_ORPHANS=true (grace 1h)', () => {
    beforeAll(() => startWorker({ DRIFT_REPAIR_POWER: 'true', DRIFT_DELETE_ORPHANS: 'true', DRIFT_ORPHAN_GRACE: '1h' }), 120_000);

    it('a server powered off is powered on through the instance\'s queue', async () => {
      const offAgain = await runningVm();
      await hetzner('POST', `/servers/${offAgain.serverId}/actions/poweroff`);
      await eventually(async () => (serverStatus(offAgain.serverId) === 'off' ? true : undefined), { what: 'the server to be off' });
      await driftSweep();
      const alert = await untilOneAlert('the server off', aboutInstance(offAgain));
      expect(alert.details).toMatchObject({ kind: 'server_off', action: 'power_on' });
      await untilEvent(offAgain, 'drift.server_off');
      const reboot = await eventually(
        async () => ((await operationsOf(stack, offAgain.id)) as unknown as { id: string; type: string; requested_by: string }[]).find((o) => o.type === 'reboot'),
        { what: 'the power-on reboot to be queued', timeoutMs: 60_000 },
      );
      expect(reboot.requested_by).toBe(DRIFT_MONITOR);
      expect((await untilOperationDone(stack, offAgain.id, reboot.id, 120_000)).status).toBe('succeeded');
      expect(serverStatus(offAgain.serverId)).toBe('running');
      await untilStatus(stack, offAgain.id, 'running');
    }, 600_000);

    it('orphans are deleted past the grace, and only then', async () => {
      // The old ones (already alerted) go on this sweep; young ones are alerted and left alone.
      const youngServer = await orphanServer(0);
      const youngRecord = await orphanRecord(0);
      await driftSweep();
      await eventually(async () => (!serverExists(oldServer.id) && !recordExists(oldRecord.id) ? true : undefined), { what: 'the old orphans to be deleted', timeoutMs: 60_000 });
      const server = await untilOneAlert('the young orphan server', aboutServer(youngServer.id));
      expect(server.details).toMatchObject({ kind: 'orphan_server', action: 'alert_only' });
      await untilOneAlert('the young orphan record', aboutRecord(youngRecord.id));
      expect(serverExists(youngServer.id) && recordExists(youngRecord.id)).toBe(true);

      // Two hours later (backdated): past the grace, deleted by the next sweep.
      stack.sandbox.backdateServer(youngServer.id, new Date(Date.now() - 2 * 3_600_000));
      stack.sandbox.backdateDnsRecord(youngRecord.id, new Date(Date.now() - 2 * 3_600_000));
      await driftSweep();
      await eventually(async () => (!serverExists(youngServer.id) && !recordExists(youngRecord.id) ? true : undefined), { what: 'the young orphans to be deleted', timeoutMs: 60_000 });
      // Nothing of a live instance went with them.
      for (const vm of [off, edited, bystander]) {
        expect(serverExists(vm.serverId)).toBe(true);
        expect(recordsNamed(stack.sandbox, vm.fqdn).map((r) => r.content)).toEqual([vm.ip]);
      }
    }, 600_000);
  });
});
