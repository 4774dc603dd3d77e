// The drift rules as a pure function: each kind, the instances left out (in flight, not at rest),
// the DRIFT_* settings, and the page a sweep hands to its workflow.
import { compareDrift, formatAge, type DriftRules, type Observed } from '../../activities/drift-compare';
import type { DriftInventory, SeenInstance, SeenRecord, SeenServer } from '../../activities/drift-inventory';
import { selectFindings } from '../../activities/drift-select';

const NOW = new Date('2026-03-01T12:00:00Z');
const HOUR = 3600_000;
const DOMAIN = 'hostflow.test';
const ALERT_ONLY: DriftRules = { repairPower: false, deleteOrphans: false, orphanGraceMs: 24 * HOUR };
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const instance = (over: Partial<SeenInstance> = {}): SeenInstance => ({
  id: 'i-1',
  status: 'running',
  subdomain: 'acme',
  serverId: 11,
  ipAddress: '203.0.113.1',
  currentOperationId: null,
  ...over,
});
const server = (over: Partial<SeenServer> = {}): SeenServer => ({ id: 11, name: 'hostflow-acme', status: 'running', instanceId: 'i-1', created: ago(48 * HOUR), ...over });
const record = (over: Partial<SeenRecord> = {}): SeenRecord => ({
  id: 'r-1',
  name: `acme.${DOMAIN}`,
  type: 'A',
  content: '203.0.113.1',
  instanceId: 'i-1',
  createdOn: ago(48 * HOUR),
  ...over,
});

function compare(inventory: Partial<DriftInventory>, rules: DriftRules = ALERT_ONLY): Observed[] {
  return compareDrift({ inventory: { servers: [], records: [], instances: [], ...inventory }, rules, domain: DOMAIN, now: NOW });
}
const summary = (findings: Observed[]) => findings.map((f) => [f.key, f.action]);

describe('compareDrift', () => {
  it('finds nothing when the providers and the read model agree', () => {
    expect(compare({ instances: [instance()], servers: [server()], records: [record()] })).toEqual([]);
  });

  it('server_vanished: attention, for a running and for a suspended instance', () => {
    const found = compare({ instances: [instance(), instance({ id: 'i-2', subdomain: 'beta', serverId: 12, status: 'suspended', ipAddress: null })], records: [record()] });
    expect(summary(found)).toEqual([
      ['server_vanished:11', 'attention'],
      ['server_vanished:12', 'attention'],
    ]);
    expect(found[0]).toMatchObject({ instanceId: 'i-1', subdomain: 'acme', serverId: 11 });
  });

  it("a server found by the instance's label is not vanished", () => {
    expect(compare({ instances: [instance({ serverId: 99 })], servers: [server()], records: [record()] })).toEqual([]);
  });

  it('server_off while running: notify, or power_on with DRIFT_REPAIR_POWER; never while suspended', () => {
    const off = server({ status: 'off' });
    expect(summary(compare({ instances: [instance()], servers: [off], records: [record()] }))).toEqual([['server_off:11', 'notify']]);
    expect(summary(compare({ instances: [instance()], servers: [off], records: [record()] }, { ...ALERT_ONLY, repairPower: true }))).toEqual([['server_off:11', 'power_on']]);
    expect(compare({ instances: [instance({ status: 'suspended' })], servers: [off], records: [record()] })).toEqual([]);
  });

  it('dns_missing and dns_mismatch: repair_dns with the expected and found addresses', () => {
    expect(compare({ instances: [instance()], servers: [server()] })).toEqual([
      expect.objectContaining({ key: 'dns_missing:i-1', kind: 'dns_missing', action: 'repair_dns', expected: '203.0.113.1', instanceId: 'i-1' }),
    ]);
    const wrong = record({ content: '198.51.100.7' });
    expect(compare({ instances: [instance({ status: 'suspended' })], servers: [server({ status: 'off' })], records: [wrong] })).toEqual([
      expect.objectContaining({ key: 'dns_mismatch:r-1', action: 'repair_dns', recordId: 'r-1', expected: '203.0.113.1', found: '198.51.100.7' }),
    ]);
  });

  it("a record of the instance under another name does not count as its record", () => {
    expect(summary(compare({ instances: [instance()], servers: [server()], records: [record({ name: `other.${DOMAIN}` })] }))).toEqual([['dns_missing:i-1', 'repair_dns']]);
  });

  it('leaves out instances with an operation in flight or not at rest', () => {
    const busy = [
      instance({ currentOperationId: 'op-1' }),
      instance({ id: 'i-2', subdomain: 'b', serverId: 12, status: 'provisioning' }),
      instance({ id: 'i-3', subdomain: 'c', serverId: 13, status: 'attention' }),
    ];
    expect(compare({ instances: busy })).toEqual([]);
  });

  it('an instance without an address has no DNS finding; one without a server id has no server finding', () => {
    expect(compare({ instances: [instance({ ipAddress: null, serverId: null })] })).toEqual([]);
  });

  it('orphans: a server or record whose instance is not live, with createdAt and age; alert only by default', () => {
    const found = compare({ servers: [server({ instanceId: 'gone' }), server({ id: 12, instanceId: undefined })], records: [record({ instanceId: 'gone' })] });
    expect(summary(found)).toEqual([
      ['orphan_server:11', 'alert_only'],
      ['orphan_server:12', 'alert_only'],
      ['orphan_record:r-1', 'alert_only'],
    ]);
    expect(found[0]).toMatchObject({ serverId: 11, instanceId: 'gone', createdAt: ago(48 * HOUR), ageSeconds: 48 * 3600 });
    expect(found[0]!.message).toContain('DRIFT_DELETE_ORPHANS is off');
    expect(found[2]).toMatchObject({ recordId: 'r-1', createdAt: ago(48 * HOUR), ageSeconds: 48 * 3600 });
  });

  it('orphans are deleted only with DRIFT_DELETE_ORPHANS and past the grace period', () => {
    const rules = { ...ALERT_ONLY, deleteOrphans: true };
    const young = server({ instanceId: 'gone', created: ago(HOUR) });
    const old = server({ id: 12, instanceId: 'gone', created: ago(25 * HOUR) });
    const found = compare({ servers: [young, old] }, rules);
    expect(summary(found)).toEqual([
      ['orphan_server:11', 'alert_only'],
      ['orphan_server:12', 'delete_orphan'],
    ]);
    expect(found[0]!.message).toContain('grace period');
  });

  it('a resource of a live instance in flight is no orphan', () => {
    expect(compare({ instances: [instance({ status: 'terminating', currentOperationId: 'op-9' })], servers: [server()], records: [record()] })).toEqual([]);
  });
});

describe('selectFindings', () => {
  const finding = (key: string, action: Observed['action']): Observed => ({ key, kind: 'orphan_server', action, message: key });
  const observed = [finding('a', 'alert_only'), finding('b', 'delete_orphan'), finding('c', 'alert_only'), finding('d', 'repair_dns')];

  it('new findings first, then open ones that repair; open alert-only ones are not repeated', () => {
    const open = new Map([['b', 'sweep-0'], ['c', 'sweep-0'], ['d', 'sweep-0']]);
    const { findings, toOpen, truncated } = selectFindings(observed, open, 'sweep-1', 10);
    expect(findings.map((f) => [f.key, f.isNew])).toEqual([['a', true], ['b', false], ['d', false]]);
    expect(toOpen.map((f) => f.key)).toEqual(['a']);
    expect(truncated).toBe(false);
  });

  it('a page of at most max; new findings left off open no episode', () => {
    const { findings, toOpen, truncated } = selectFindings(observed, new Map(), 'sweep-1', 2);
    expect(findings.map((f) => f.key)).toEqual(['a', 'b']);
    expect(toOpen.map((f) => f.key)).toEqual(['a', 'b']);
    expect(truncated).toBe(true);
  });

  it('the sweep that opened an episode sees it as new again when it runs twice', () => {
    const { findings } = selectFindings([finding('a', 'alert_only')], new Map([['a', 'sweep-1']]), 'sweep-1', 10);
    expect(findings).toEqual([expect.objectContaining({ key: 'a', isNew: true })]);
  });
});

it('formatAge reads like a person would say it', () => {
  expect([formatAge(42), formatAge(600), formatAge(3 * 3600 + 120), formatAge(2 * 86_400 + 3600)]).toEqual(['42s', '10m', '3h 2m', '2d 1h']);
});
