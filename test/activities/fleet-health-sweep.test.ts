// checkFleetHealth against real Postgres (a database of its own), local gateways and the sandbox's
// Hetzner: who is checked, the thresholds across sweeps, flapping, Hetzner asked only when a
// failure changes an instance's health, and a sweep resumed after its worker died.
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq, inArray } from 'drizzle-orm';
import type { FleetSettings } from '../../activities/deps';
import { DEFAULT_FLEET_SETTINGS } from '../../config/fleet';
import { createFleetHealthActivities } from '../../activities/fleet-health';
import { HetznerClient } from '../../activities/hetzner-client';
import type { Sandbox } from '../../sandbox';
import { instanceHealth, instances } from '../../schema/tables';
import type { HealthChange, HealthSweepReport } from '../../workflows/fleet-types';
import { HETZNER_TOKEN, raw, testSandbox, waitFor } from '../sandbox/helpers';
import { startFakeGateways, type FakeGateways, type GatewayMode } from './fake-gateways';
import { startTestDatabase, type TestDatabase } from '../api/support';

let database: TestDatabase;
let sandbox: Sandbox;
let gateways: FakeGateways;
/** Server ids the sweep asked Hetzner about, in order. */
let asked: number[];

beforeAll(async () => {
  [database, sandbox, gateways] = await Promise.all([startTestDatabase(), testSandbox(), startFakeGateways()]);
});
beforeEach(async () => {
  asked = [];
  gateways.modes.clear();
  await database.handle.sql`truncate instance_health, instances cascade`;
});
afterAll(async () => {
  await Promise.all([database?.stop(), sandbox?.close(), gateways?.close()]);
});

const FLEET: FleetSettings = { ...DEFAULT_FLEET_SETTINGS, healthUrlTemplate: 'http://{ip}/{subdomain}/healthz', checkTimeoutMs: 300, checkConcurrency: 5 };

function activities(fleet: Partial<FleetSettings> = {}) {
  const real = new HetznerClient({ token: HETZNER_TOKEN, url: sandbox.hetznerUrl });
  const hetzner = Object.assign(Object.create(real) as HetznerClient, {
    getServer: (id: number) => (asked.push(id), real.getServer(id)),
  });
  return createFleetHealthActivities({ db: database.handle.db, hetzner, domain: 'example.test', fleet: { ...FLEET, ...fleet } });
}

function sweep(sweepId: string, fleet: Partial<FleetSettings> = {}): Promise<HealthSweepReport> {
  return new MockActivityEnvironment().run(activities(fleet).checkFleetHealth, { sweepId });
}

let n = 0;
interface Seeded {
  id: string;
  subdomain: string;
}
async function instance(mode: GatewayMode | 'refused', row: Partial<typeof instances.$inferInsert> = {}): Promise<Seeded> {
  const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const subdomain = `health-${n}`;
  if (mode !== 'refused') gateways.modes.set(subdomain, mode);
  const ipAddress = mode === 'refused' ? gateways.closedAddress : gateways.address;
  await database.handle.db.insert(instances).values({ id, email: `${subdomain}@example.com`, plan: 'starter', region: 'eu-helsinki', subdomain, status: 'running', ipAddress, ...row });
  return { id, subdomain };
}

async function runningServer(name: string): Promise<number> {
  const created = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name, server_type: 'cx23', image: 'ubuntu-24.04', location: 'hel1' });
  return created.body.server.id as number;
}

async function health(id: string) {
  const [row] = await database.handle.db.select().from(instanceHealth).where(eq(instanceHealth.instanceId, id));
  return row ? { ...row, pending: row.pending as HealthChange[] } : undefined;
}

describe('checkFleetHealth', () => {
  it('checks only running instances with no operation in flight', async () => {
    const checked = await instance('ok');
    const skipped = [
      await instance('ok', { status: 'running', currentOperationId: 'op-reboot-1' }),
      await instance('ok', { status: 'suspended' }),
      await instance('ok', { status: 'provisioning' }),
      await instance('ok', { status: 'terminated' }),
    ];
    const report = await sweep('s-only-running');
    expect(report).toEqual({ sweepId: 's-only-running', checked: 1, healthy: 1, failing: 0, alreadyChecked: 0, changes: 0 });
    expect(gateways.requests(checked.subdomain)).toBe(1);
    expect(skipped.map((s) => gateways.requests(s.subdomain))).toEqual([0, 0, 0, 0]);
    const rows = await database.handle.db.select().from(instanceHealth).where(inArray(instanceHealth.instanceId, [checked.id, ...skipped.map((s) => s.id)]));
    expect(rows.map((r) => [r.instanceId, r.status, r.pending])).toEqual([[checked.id, 'healthy', []]]);
  });

  it('turns failing instances unhealthy at 3, asks for a reboot at 10, and says what the check and Hetzner saw', async () => {
    const ok = await instance('ok');
    const failing = await instance('fail', { serverId: await runningServer('health-failing') });
    const timingOut = await instance('hang');
    const refused = await instance('refused');
    const reports: HealthSweepReport[] = [];
    for (let i = 1; i <= 10; i++) reports.push(await sweep(`s-thresholds-${i}`));

    expect(reports.map((r) => r.changes)).toEqual([0, 0, 3, 0, 0, 0, 0, 0, 0, 3]);
    expect(reports[2]).toMatchObject({ checked: 4, healthy: 1, failing: 3 });
    const failingRow = (await health(failing.id))!;
    expect(failingRow).toMatchObject({ status: 'unhealthy', consecutiveFailures: 10, episode: 1, rebootsInEpisode: 1 });
    expect(failingRow.pending.map((c) => [c.key, c.consecutiveFailures])).toEqual([['health:1:unhealthy', 3], ['health:1:reboot_due', 10]]);
    expect(failingRow.pending[0]!.reason).toMatch(new RegExp(`^http://${gateways.address}/${failing.subdomain}/healthz: HTTP 503; Hetzner: server \\d+ running$`));
    expect((await health(timingOut.id))!.pending[0]!.reason).toMatch(/: timed out after 300 ms; Hetzner: no server recorded$/);
    expect((await health(refused.id))!.pending[0]!.reason).toMatch(/: connection refused \(ECONNREFUSED\); Hetzner: no server recorded$/);
    // Hetzner's rate limit: asked only at the sweeps that changed the failing instance's health.
    expect(asked).toEqual([failingRow.pending[0]!.reason.match(/server (\d+)/)![1], failingRow.pending[1]!.reason.match(/server (\d+)/)![1]].map(Number));
    expect(await health(ok.id)).toMatchObject({ status: 'healthy', consecutiveFailures: 0, pending: [], lastError: null });

    gateways.modes.set(failing.subdomain, 'ok');
    expect((await sweep('s-thresholds-11')).changes).toBe(1);
    const recovered = (await health(failing.id))!;
    expect(recovered).toMatchObject({ status: 'healthy', consecutiveFailures: 0 });
    expect(recovered.pending.map((c) => c.key)).toEqual(['health:1:unhealthy', 'health:1:reboot_due', 'health:1:recovered']);
  });

  it('an instance flapping around the threshold goes unhealthy and back, and never reaches a reboot', async () => {
    const flapping = await instance('fail');
    const fleet = { unhealthyAfter: 2, rebootAfter: 3 };
    for (let i = 1; i <= 12; i++) {
      gateways.modes.set(flapping.subdomain, i % 3 === 0 ? 'ok' : 'fail');
      await sweep(`s-flap-${i}`, fleet);
    }
    const row = (await health(flapping.id))!;
    expect(row.pending.map((c) => c.kind)).toEqual(['unhealthy', 'recovered', 'unhealthy', 'recovered', 'unhealthy', 'recovered', 'unhealthy', 'recovered']);
    expect(row).toMatchObject({ status: 'healthy', episode: 4, rebootsInEpisode: 0 });
  });

  it('a sweep whose worker died resumes from its heartbeat, skips what it already wrote, and checks nothing twice', async () => {
    const fleet = { checkConcurrency: 2 }; // pages of 8
    const seeded: Seeded[] = [];
    for (let i = 0; i < 20; i++) seeded.push(await instance('ok'));
    // The 11th instance (page 2) fails for the third time, and its first check is still in flight when the worker dies.
    const stuck = seeded[10]!;
    gateways.modes.set(stuck.subdomain, 'fail');
    await database.handle.db.insert(instanceHealth).values({ instanceId: stuck.id, status: 'healthy', consecutiveFailures: 2, lastSweepId: 's-before' });
    const hold = gateways.holdNext(stuck.subdomain);

    const first = new MockActivityEnvironment();
    let lastHeartbeat: unknown;
    first.on('heartbeat', (details: unknown) => (lastHeartbeat = details));
    const zombie = first.run(activities({ ...fleet, checkTimeoutMs: 60_000 }).checkFleetHealth, { sweepId: 's-resume' });
    await hold.held;
    // The rest of page 2 is checked and written while the stuck check waits.
    const written = () => database.handle.db.select().from(instanceHealth).where(eq(instanceHealth.lastSweepId, 's-resume'));
    await waitFor(async () => ((await written()).length === 15 ? true : undefined), 'pages 1 and 2 written but one row');
    expect(lastHeartbeat).toEqual({ cursor: seeded[7]!.id, totals: { checked: 8, healthy: 8, failing: 0, alreadyChecked: 0, changes: 0 } });

    // The worker is presumed dead: Temporal retries with the last heartbeat.
    const report = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: lastHeartbeat }).run(activities(fleet).checkFleetHealth, { sweepId: 's-resume' });
    expect(report).toEqual({ sweepId: 's-resume', checked: 13, healthy: 12, failing: 1, alreadyChecked: 7, changes: 1 });
    expect(seeded.map((s) => gateways.requests(s.subdomain))).toEqual(seeded.map((s) => (s === stuck ? 2 : 1)));

    // The first attempt was not dead after all: its late answer is not counted a second time.
    hold.release();
    expect(await zombie).toMatchObject({ checked: 15, alreadyChecked: 5 });
    const row = (await health(stuck.id))!;
    expect(row).toMatchObject({ status: 'unhealthy', consecutiveFailures: 3, lastSweepId: 's-resume' });
    expect(row.pending.map((c) => c.key)).toEqual(['health:1:unhealthy']);
    expect(seeded.map((s) => gateways.requests(s.subdomain))).toEqual(seeded.map((s) => (s === stuck ? 2 : 1)));
  });
});
