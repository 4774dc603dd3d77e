// The drift activities against the sandbox's Hetzner and Cloudflare and a Postgres of their own:
// each kind of finding, the episode book across sweeps, the DRIFT_* flags and the grace period,
// repairs that change nothing the second time, and a fleet larger than one Hetzner page. Drift is
// made the way it happens in production: through the providers' own API, behind Hostflow's back.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { CloudflareDns } from '../../activities/cloudflare-client';
import type { FleetSettings } from '../../activities/deps';
import { DEFAULT_FLEET_SETTINGS } from '../../config/fleet';
import { ownershipComment } from '../../activities/dns-ownership';
import { createDriftActivities } from '../../activities/drift';
import { HetznerClient } from '../../activities/hetzner-client';
import type { Sandbox } from '../../sandbox';
import { driftFindings, instances } from '../../schema/tables';
import type { DriftFinding, DriftScan } from '../../workflows/fleet-types';
import { CLOUDFLARE_TOKEN, HETZNER_TOKEN, raw, testSandbox, waitFor } from '../sandbox/helpers';
import { startTestDatabase, type TestDatabase } from '../api/support';

let database: TestDatabase;
let sandbox: Sandbox;

beforeAll(async () => {
  [database, sandbox] = await Promise.all([startTestDatabase(), testSandbox({ vmMode: 'never' })]);
});
beforeEach(async () => {
  sandbox.reset();
  await database.handle.sql`truncate drift_findings, instances cascade`;
});
afterAll(async () => {
  await Promise.all([database?.stop(), sandbox?.close()]);
});

const HOUR = 3600_000;
const FLEET: FleetSettings = { ...DEFAULT_FLEET_SETTINGS, healthUrlTemplate: 'https://{fqdn}/healthz', checkTimeoutMs: 300, checkConcurrency: 5 };

function drift(fleet: Partial<FleetSettings> = {}) {
  return createDriftActivities({
    db: database.handle.db,
    hetzner: new HetznerClient({ token: HETZNER_TOKEN, url: sandbox.hetznerUrl }),
    dns: new CloudflareDns({ token: CLOUDFLARE_TOKEN, zoneId: sandbox.cloudflareZoneId, url: sandbox.cloudflareUrl }),
    domain: sandbox.cloudflareZoneName,
    fleet: { ...FLEET, ...fleet },
  });
}

// --- the world, changed through the providers' API with the token, as a person at the console would

let n = 0;
async function createServer(labels: Record<string, string>): Promise<{ id: number; ip: string }> {
  const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name: `drift-${++n}-${Date.now()}`, server_type: 'cpx22', image: 'ubuntu-24.04', labels });
  expect(res.status).toBe(201);
  return { id: res.body.server.id, ip: res.body.server.public_net.ipv4.ip };
}
const hostflowLabels = (instanceId: string) => ({ 'hostflow-managed': 'true', 'hostflow-instance': instanceId, 'hostflow-customer': 'c1' });

async function serverStatus(id: number): Promise<string | undefined> {
  const res = await raw(`${sandbox.hetznerUrl}/servers/${id}`);
  return res.status === 404 ? undefined : res.body.server.status;
}
const waitForStatus = (id: number, status: string | undefined) => waitFor(async () => (await serverStatus(id)) === status, `server ${id} ${status ?? 'gone'}`);

const recordsUrl = () => `${sandbox.cloudflareUrl}/zones/${sandbox.cloudflareZoneId}/dns_records`;
async function createRecord(subdomain: string, ip: string, comment?: string): Promise<string> {
  const res = await raw(recordsUrl(), 'POST', { type: 'A', name: `${subdomain}.${sandbox.cloudflareZoneName}`, content: ip, ttl: 60, ...(comment ? { comment } : {}) }, CLOUDFLARE_TOKEN);
  expect(res.status).toBe(200);
  return res.body.result.id;
}
async function recordsOf(subdomain: string): Promise<{ id: string; content: string; comment: string | null }[]> {
  const res = await raw(`${recordsUrl()}?name=${subdomain}.${sandbox.cloudflareZoneName}`, 'GET', undefined, CLOUDFLARE_TOKEN);
  return res.body.result;
}

interface Seed {
  status?: string;
  serverId?: number | null;
  ip?: string | null;
  currentOperationId?: string | null;
}
/** An instance row as the entity's records activity leaves it. */
async function seedInstance(seed: Seed = {}): Promise<{ id: string; subdomain: string }> {
  const id = randomUUID();
  const subdomain = `box-${id.slice(0, 8)}`;
  await database.handle.db.insert(instances).values({
    id,
    email: 'ops@example.test',
    plan: 'starter',
    region: 'eu-frankfurt',
    subdomain,
    status: seed.status ?? 'running',
    serverId: seed.serverId ?? null,
    ipAddress: seed.ip ?? null,
    currentOperationId: seed.currentOperationId ?? null,
  });
  return { id, subdomain };
}

/** A running instance whose server and record agree with the read model. */
async function healthyInstance(status = 'running'): Promise<{ id: string; subdomain: string; serverId: number; ip: string; recordId: string }> {
  const id = randomUUID();
  const server = await createServer(hostflowLabels(id));
  const subdomain = `box-${id.slice(0, 8)}`;
  const recordId = await createRecord(subdomain, server.ip, ownershipComment(id));
  await database.handle.db.insert(instances).values({ id, email: 'ops@example.test', plan: 'starter', region: 'eu-frankfurt', subdomain, status, serverId: server.id, ipAddress: server.ip });
  return { id, subdomain, serverId: server.id, ip: server.ip, recordId };
}

const summary = (scan: DriftScan) => scan.findings.map((f) => [f.key, f.action, f.isNew]).sort();
const find = (scan: DriftScan, kind: DriftFinding['kind']) => scan.findings.find((f) => f.kind === kind)!;

describe('findDrift', () => {
  it('a fleet that agrees with the read model has no findings', async () => {
    await healthyInstance();
    await healthyInstance('suspended');
    await createServer({ team: 'ops' }); // not Hostflow's: never listed
    await createRecord('www', '198.51.100.1'); // no marker: never listed
    const scan = await drift().findDrift({ sweepId: 's1' });
    expect(scan).toEqual({ findings: [], resolved: [], truncated: false, counts: { servers: 2, records: 2, instances: 2, open: 0 } });
  });

  it('finds each kind, with the action the settings give it', async () => {
    const vanished = await seedInstance({ serverId: 987654, ip: '203.0.113.50' });
    await createRecord(vanished.subdomain, '203.0.113.50', ownershipComment(vanished.id));
    const off = await healthyInstance();
    await waitForStatus(off.serverId, 'running');
    await raw(`${sandbox.hetznerUrl}/servers/${off.serverId}/actions/poweroff`, 'POST');
    await waitForStatus(off.serverId, 'off');
    const noRecord = await healthyInstance();
    await raw(`${recordsUrl()}/${noRecord.recordId}`, 'DELETE', undefined, CLOUDFLARE_TOKEN);
    const moved = await healthyInstance('suspended');
    await raw(`${recordsUrl()}/${moved.recordId}`, 'PATCH', { content: '198.51.100.9' }, CLOUDFLARE_TOKEN);
    const terminated = await seedInstance({ status: 'terminated' });
    const orphan = await createServer(hostflowLabels(terminated.id));
    const orphanRecord = await createRecord('left-over', '198.51.100.20', ownershipComment(randomUUID()));

    const scan = await drift().findDrift({ sweepId: 's1' });
    expect(summary(scan)).toEqual(
      [
        [`server_vanished:987654`, 'attention', true],
        [`server_off:${off.serverId}`, 'notify', true],
        [`dns_missing:${noRecord.id}`, 'repair_dns', true],
        [`dns_mismatch:${moved.recordId}`, 'repair_dns', true],
        [`orphan_server:${orphan.id}`, 'alert_only', true],
        [`orphan_record:${orphanRecord}`, 'alert_only', true],
      ].sort(),
    );
    expect(find(scan, 'dns_mismatch')).toMatchObject({ instanceId: moved.id, expected: moved.ip, found: '198.51.100.9' });
    expect(find(scan, 'orphan_server')).toMatchObject({ serverId: orphan.id, instanceId: terminated.id, createdAt: expect.any(String), ageSeconds: expect.any(Number) });
    expect(scan.counts).toEqual({ servers: 4, records: 4, instances: 4, open: 6 });
    expect(JSON.stringify(scan).length).toBeLessThan(5_000); // findings, not provider dumps

    const powered = await drift({ repairPower: true }).findDrift({ sweepId: 's2' });
    // All open: only the DNS repairs are handed over again; the server off was told once, with its episode.
    expect(powered.findings.map((f) => [f.kind, f.isNew]).sort()).toEqual([
      ['dns_mismatch', false],
      ['dns_missing', false],
    ]);
    await database.handle.sql`truncate drift_findings`;
    expect(find(await drift({ repairPower: true }).findDrift({ sweepId: 's3' }), 'server_off').action).toBe('power_on');
  });

  it('leaves out instances with an operation in flight', async () => {
    await seedInstance({ serverId: 987654, ip: '203.0.113.50', currentOperationId: 'op-1' });
    const provisioning = await seedInstance({ status: 'provisioning' });
    await createServer(hostflowLabels(provisioning.id)); // a provision's server before its id is recorded: no orphan
    expect((await drift().findDrift({ sweepId: 's1' })).findings).toEqual([]);
  });

  it('opens, keeps and resolves episodes; the same sweep run twice answers the same', async () => {
    const a = await healthyInstance();
    await raw(`${recordsUrl()}/${a.recordId}`, 'DELETE', undefined, CLOUDFLARE_TOKEN);
    const orphan = await createServer(hostflowLabels(randomUUID()));

    const first = await drift().findDrift({ sweepId: 's1' });
    expect(summary(first)).toEqual([
      [`dns_missing:${a.id}`, 'repair_dns', true],
      [`orphan_server:${orphan.id}`, 'alert_only', true],
    ]);
    expect(await drift().findDrift({ sweepId: 's1' })).toEqual(first);

    // Still there an hour later: the repair is handed over again, the alert-only orphan is not.
    const second = await drift().findDrift({ sweepId: 's2' });
    expect(summary(second)).toEqual([[`dns_missing:${a.id}`, 'repair_dns', false]]);
    expect(second.findings[0]!.episodeId).toBe(find(first, 'dns_missing').episodeId);
    expect(second.counts.open).toBe(2);

    await createRecord(a.subdomain, a.ip, ownershipComment(a.id));
    const third = await drift().findDrift({ sweepId: 's3' });
    expect(third.findings).toEqual([]);
    expect(third.resolved).toEqual([expect.objectContaining({ key: `dns_missing:${a.id}`, episodeId: find(first, 'dns_missing').episodeId, isNew: false })]);
    expect(await drift().findDrift({ sweepId: 's3' })).toEqual(third);
    expect(third.counts.open).toBe(1);

    // It comes back: a new episode, alerted again.
    await raw(`${recordsUrl()}/${(await recordsOf(a.subdomain))[0]!.id}`, 'DELETE', undefined, CLOUDFLARE_TOKEN);
    const fourth = await drift().findDrift({ sweepId: 's4' });
    expect(summary(fourth)).toEqual([[`dns_missing:${a.id}`, 'repair_dns', true]]);
    expect(fourth.findings[0]!.episodeId).not.toBe(find(first, 'dns_missing').episodeId);
    const rows = await database.handle.db.select().from(driftFindings).where(eq(driftFindings.key, `dns_missing:${a.id}`));
    expect(rows.map((r) => r.resolvedAt === null).sort()).toEqual([false, true]);
  });

  it('pages through more than one Hetzner page (50) and hands over at most maxFindingsPerSweep', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 53; i++) ids.push((await createServer(hostflowLabels(randomUUID()))).id);
    const all = await drift().findDrift({ sweepId: 'all' });
    expect(all.counts.servers).toBe(53);
    expect(all.findings.map((f) => f.serverId).sort((x, y) => x! - y!)).toEqual(ids);
    await database.handle.sql`truncate drift_findings`;

    const page = { maxFindingsPerSweep: 20 };
    const first = await drift(page).findDrift({ sweepId: 'p1' });
    expect([first.findings.length, first.truncated, first.counts.open]).toEqual([20, true, 20]);
    const second = await drift(page).findDrift({ sweepId: 'p2' });
    expect([second.findings.length, second.truncated, second.findings.every((f) => f.isNew)]).toEqual([20, true, true]);
    const third = await drift(page).findDrift({ sweepId: 'p3' });
    expect([third.findings.length, third.truncated, third.counts.open]).toEqual([13, false, 53]);
    const seen = new Set([...first.findings, ...second.findings, ...third.findings].map((f) => f.key));
    expect(seen.size).toBe(53);
  });

  it("a provider's rate limit comes back as a retryable failure with its hint", async () => {
    sandbox.setFaults([{ route: 'GET /v1/servers', rateLimitStorm: { count: 1 } }]);
    await expect(drift().findDrift({ sweepId: 's1' })).rejects.toMatchObject({ type: 'Hetzner.rate_limit_exceeded', nonRetryable: false });
    expect((await drift().findDrift({ sweepId: 's1' })).findings).toEqual([]);
  });
});

describe('repairDnsRecord', () => {
  it('points a moved record back and re-creates a missing one; a second run changes nothing', async () => {
    const moved = await healthyInstance('suspended');
    await raw(`${recordsUrl()}/${moved.recordId}`, 'PATCH', { content: '198.51.100.9' }, CLOUDFLARE_TOKEN);
    const missing = await healthyInstance();
    await raw(`${recordsUrl()}/${missing.recordId}`, 'DELETE', undefined, CLOUDFLARE_TOKEN);
    const scan = await drift().findDrift({ sweepId: 's1' });

    for (const finding of scan.findings) expect(await drift().repairDnsRecord(finding)).toContain('upserted');
    const after = [await recordsOf(moved.subdomain), await recordsOf(missing.subdomain)];
    expect(after.map((records) => records.map((r) => [r.content, r.comment]))).toEqual([
      [[moved.ip, ownershipComment(moved.id)]],
      [[missing.ip, ownershipComment(missing.id)]],
    ]);
    for (const finding of scan.findings) expect(await drift().repairDnsRecord(finding)).toContain('nothing changed');
    expect([await recordsOf(moved.subdomain), await recordsOf(missing.subdomain)]).toEqual(after);

    const next = await drift().findDrift({ sweepId: 's2' });
    expect(next.resolved.map((f) => f.kind).sort()).toEqual(['dns_mismatch', 'dns_missing']);
  });

  it('changes nothing once the instance has moved on', async () => {
    const a = await healthyInstance();
    await raw(`${recordsUrl()}/${a.recordId}`, 'DELETE', undefined, CLOUDFLARE_TOKEN);
    const [finding] = (await drift().findDrift({ sweepId: 's1' })).findings;
    await database.handle.db.update(instances).set({ currentOperationId: 'op-7', status: 'terminating' }).where(eq(instances.id, a.id));
    expect(await drift().repairDnsRecord(finding!)).toMatch(/not repaired, the instance is terminating now/);
    await database.handle.db.update(instances).set({ currentOperationId: null, status: 'running', ipAddress: '203.0.113.99' }).where(eq(instances.id, a.id));
    expect(await drift().repairDnsRecord(finding!)).toMatch(/not repaired, the instance's address is 203\.0\.113\.99 now/);
    expect(await recordsOf(a.subdomain)).toEqual([]);
  });
});

describe('deleteOrphan', () => {
  async function orphans(): Promise<{ serverId: number; recordId: string; instanceId: string }> {
    const instanceId = randomUUID();
    const { id: serverId } = await createServer(hostflowLabels(instanceId));
    const recordId = await createRecord(`gone-${instanceId.slice(0, 8)}`, '198.51.100.30', ownershipComment(instanceId));
    return { serverId, recordId, instanceId };
  }
  const ageBy = (ms: number) => new Date(Date.now() - ms);

  it('deletes nothing without DRIFT_DELETE_ORPHANS, however old', async () => {
    const { serverId, recordId } = await orphans();
    sandbox.backdateServer(serverId, ageBy(30 * 24 * HOUR));
    sandbox.backdateDnsRecord(recordId, ageBy(30 * 24 * HOUR));
    const scan = await drift().findDrift({ sweepId: 's1' });
    expect(scan.findings.map((f) => f.action)).toEqual(['alert_only', 'alert_only']);
    for (const finding of scan.findings) expect(await drift().deleteOrphan(finding)).toContain('kept, DRIFT_DELETE_ORPHANS is off');
    expect(await serverStatus(serverId)).toBeDefined();
    expect((await drift().findDrift({ sweepId: 's2' })).counts.open).toBe(2);
  });

  it('waits out the grace period, then deletes once; a second run finds it gone', async () => {
    const { serverId, recordId } = await orphans();
    const deleting = drift({ deleteOrphans: true });
    const young = await deleting.findDrift({ sweepId: 's1' });
    expect(young.findings.map((f) => [f.kind, f.action])).toEqual([
      ['orphan_server', 'alert_only'],
      ['orphan_record', 'alert_only'],
    ]);
    // Handed over anyway (a stale or hand-made finding): the activity asks the grace again.
    for (const finding of young.findings) expect(await deleting.deleteOrphan({ ...finding, action: 'delete_orphan' })).toMatch(/kept, not past the 1d 0h grace period/);

    sandbox.backdateServer(serverId, ageBy(25 * HOUR));
    sandbox.backdateDnsRecord(recordId, ageBy(25 * HOUR));
    const old = await deleting.findDrift({ sweepId: 's2' });
    expect(old.findings.map((f) => [f.kind, f.action, f.isNew])).toEqual([
      ['orphan_server', 'delete_orphan', false],
      ['orphan_record', 'delete_orphan', false],
    ]);
    expect(old.findings[0]!.ageSeconds).toBeGreaterThanOrEqual(25 * 3600);
    for (const finding of old.findings) expect(await deleting.deleteOrphan(finding)).toContain('deleted');
    await waitForStatus(serverId, undefined);
    expect(await recordsOf(`gone-${old.findings[1]!.instanceId!.slice(0, 8)}`)).toEqual([]);
    for (const finding of old.findings) expect(await deleting.deleteOrphan(finding)).toContain('already gone');
    expect((await deleting.findDrift({ sweepId: 's3' })).resolved.map((f) => f.kind)).toEqual(['orphan_server', 'orphan_record']);
  });

  it('keeps an orphan whose instance turned out to be live', async () => {
    const { serverId, recordId, instanceId } = await orphans();
    sandbox.backdateServer(serverId, ageBy(25 * HOUR));
    sandbox.backdateDnsRecord(recordId, ageBy(25 * HOUR));
    const deleting = drift({ deleteOrphans: true });
    const scan = await deleting.findDrift({ sweepId: 's1' });
    await database.handle.db.insert(instances).values({ id: instanceId, email: 'ops@example.test', plan: 'starter', region: 'eu-frankfurt', subdomain: 'back', status: 'provisioning' });
    for (const finding of scan.findings) expect(await deleting.deleteOrphan(finding)).toContain(`kept, instance ${instanceId} is live`);
    expect(await serverStatus(serverId)).toBeDefined();
  });
});
