// /v1/firewalls at wire fidelity: rules validation, apply/remove/set_rules actions through the
// action lifecycle, public_net.firewalls on servers, and delete refused while applied.

import type { Sandbox } from '../../sandbox';
import { raw, testSandbox, waitFor } from './helpers';

let sandbox: Sandbox;
let url: string;

beforeAll(async () => {
  // Actions last long enough that 'pending' is still seen on a loaded machine (20 ms raced the next GET).
  sandbox = await testSandbox({ vmMode: 'never', actionDurationMs: 400 });
  url = `${sandbox.hetznerUrl}/firewalls`;
});
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

const WEB_RULES = [
  { direction: 'in', protocol: 'tcp', port: '22', source_ips: ['198.51.100.0/24', '2001:DB8:0:0::/64'], description: 'ssh' },
  { direction: 'in', protocol: 'tcp', port: '80', source_ips: ['0.0.0.0/0', '::/0'] },
  { direction: 'in', protocol: 'tcp', port: '443', source_ips: ['0.0.0.0/0', '::/0'] },
  { direction: 'in', protocol: 'icmp', source_ips: ['0.0.0.0/0'] },
];

let seq = 0;
async function server(extra: Record<string, unknown> = {}) {
  const res = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name: `fw-${++seq}`, server_type: 'cpx22', image: 'ubuntu-24.04', ...extra });
  expect(res.status).toBe(201);
  return res.body.server as { id: number };
}

async function settled(actions: Array<{ id: number }>) {
  return Promise.all(
    actions.map((a) => waitFor(async () => {
      const got = (await raw(`${sandbox.hetznerUrl}/actions/${a.id}`)).body.action;
      return got.status === 'running' ? undefined : got;
    }, `action ${a.id}`)),
  );
}

const firewallsOf = async (serverId: number) => (await raw(`${sandbox.hetznerUrl}/servers/${serverId}`)).body.server.public_net.firewalls;

describe('/v1/firewalls', () => {
  test('create with rules and apply_to answers 201 {firewall, actions}; the server shows it pending, then applied', async () => {
    const s = await server();
    const res = await raw(url, 'POST', { name: 'inst-1', labels: { instance: 'i-1' }, rules: WEB_RULES, apply_to: [{ type: 'server', server: { id: s.id } }] });
    expect(res.status).toBe(201);
    expect(res.body.firewall).toMatchObject({ name: 'inst-1', labels: { instance: 'i-1' }, applied_to: [{ type: 'server', server: { id: s.id } }] });
    expect(res.body.firewall.rules[0]).toEqual({
      direction: 'in', protocol: 'tcp', port: '22', source_ips: ['198.51.100.0/24', '2001:db8::/64'], destination_ips: [], description: 'ssh',
    });
    expect(res.body.firewall.rules[3]).toEqual({ direction: 'in', protocol: 'icmp', port: null, source_ips: ['0.0.0.0/0'], destination_ips: [], description: null });
    expect(res.body.actions.map((a: { command: string; status: string }) => [a.command, a.status])).toEqual([
      ['set_firewall_rules', 'running'], ['apply_firewall', 'running'],
    ]);
    expect(res.body.actions[1].resources).toEqual([{ id: res.body.firewall.id, type: 'firewall' }, { id: s.id, type: 'server' }]);
    expect(await firewallsOf(s.id)).toEqual([{ id: res.body.firewall.id, status: 'pending' }]);
    expect((await settled(res.body.actions)).map((a) => a.status)).toEqual(['success', 'success']);
    expect(await firewallsOf(s.id)).toEqual([{ id: res.body.firewall.id, status: 'applied' }]);
    expect(sandbox.state().firewalls).toEqual([expect.objectContaining({ id: res.body.firewall.id, name: 'inst-1' })]);
  });

  test('rules are validated as the reference states', async () => {
    const bad: Array<[unknown, string]> = [
      [{ direction: 'sideways', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0'] }, 'rules[0].direction'],
      [{ direction: 'in', protocol: 'sctp', source_ips: ['0.0.0.0/0'] }, 'rules[0].protocol'],
      [{ direction: 'in', protocol: 'tcp', source_ips: ['0.0.0.0/0'] }, 'rules[0].port'],
      [{ direction: 'in', protocol: 'tcp', port: '0', source_ips: ['0.0.0.0/0'] }, 'rules[0].port'],
      [{ direction: 'in', protocol: 'tcp', port: '90-80', source_ips: ['0.0.0.0/0'] }, 'rules[0].port'],
      [{ direction: 'in', protocol: 'icmp', port: '22', source_ips: ['0.0.0.0/0'] }, 'rules[0].port'],
      [{ direction: 'in', protocol: 'tcp', port: '22' }, 'rules[0].source_ips'],
      [{ direction: 'in', protocol: 'tcp', port: '22', source_ips: ['10.0.1.1/24'] }, 'rules[0].source_ips'],
      [{ direction: 'in', protocol: 'tcp', port: '22', source_ips: ['10.0.0.0'] }, 'rules[0].source_ips'],
      [{ direction: 'in', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0'], destination_ips: ['0.0.0.0/0'] }, 'rules[0].destination_ips'],
      [{ direction: 'out', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0'] }, 'rules[0].destination_ips'],
      [{ direction: 'in', protocol: 'tcp', port: '22', source_ips: Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`) }, 'rules[0].source_ips'],
    ];
    for (const [rule, field] of bad) {
      const res = await raw(url, 'POST', { name: 'bad', rules: [rule] });
      expect([res.status, res.body.error.code, res.body.error.details.fields[0].name]).toEqual([422, 'invalid_input', field]);
    }
    const tooMany = await raw(url, 'POST', { name: 'bad', rules: Array.from({ length: 51 }, () => WEB_RULES[1]) });
    expect(tooMany.body.error.details.fields[0].name).toBe('rules');
    const ranged = await raw(url, 'POST', { name: 'ok', rules: [{ direction: 'out', protocol: 'udp', port: '1024-5000', destination_ips: ['::/0'] }] });
    expect(ranged.status).toBe(201);
    expect(sandbox.state().firewalls).toHaveLength(1);
  });

  test('names are unique; an unknown or repeated server in apply_to is refused with the reference codes', async () => {
    const s = await server();
    await raw(url, 'POST', { name: 'dup' });
    expect((await raw(url, 'POST', { name: 'dup' })).body.error.code).toBe('uniqueness_error');
    const unknown = await raw(url, 'POST', { name: 'x', apply_to: [{ type: 'server', server: { id: 42 } }] });
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'firewall_resource_not_found']);
    const twice = await raw(url, 'POST', { name: 'x', apply_to: [{ type: 'server', server: { id: s.id } }, { type: 'server', server: { id: s.id } }] });
    expect([twice.status, twice.body.error.code]).toEqual([422, 'server_already_added']);
    expect(sandbox.state().firewalls.map((f) => f['name'])).toEqual(['dup']);
  });

  test('apply_to_resources, remove_from_resources and set_rules answer 201 {actions} that finish', async () => {
    const s = await server();
    const fw = (await raw(url, 'POST', { name: 'fw' })).body.firewall;
    const actionsUrl = `${url}/${fw.id}/actions`;
    const applied = await raw(`${actionsUrl}/apply_to_resources`, 'POST', { apply_to: [{ type: 'server', server: { id: s.id } }] });
    expect(applied.status).toBe(201);
    expect(applied.body.actions).toEqual([expect.objectContaining({ command: 'apply_firewall', status: 'running' })]);
    await settled(applied.body.actions);
    expect(await firewallsOf(s.id)).toEqual([{ id: fw.id, status: 'applied' }]);

    const again = await raw(`${actionsUrl}/apply_to_resources`, 'POST', { apply_to: [{ type: 'server', server: { id: s.id } }] });
    expect([again.status, again.body.error.code]).toEqual([422, 'firewall_already_applied']);
    const missing = await raw(`${actionsUrl}/apply_to_resources`, 'POST', { apply_to: [{ type: 'server', server: { id: 42 } }] });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'firewall_resource_not_found']);

    const rules = await raw(`${actionsUrl}/set_rules`, 'POST', { rules: WEB_RULES.slice(1, 3) });
    expect(rules.body.actions).toEqual([expect.objectContaining({ command: 'set_firewall_rules', resources: [{ id: fw.id, type: 'firewall' }] })]);
    expect((await raw(`${url}/${fw.id}`)).body.firewall.rules.map((r: { port: string }) => r.port)).toEqual(['80', '443']);
    expect((await raw(`${actionsUrl}/set_rules`, 'POST', {})).body.error.code).toBe('invalid_input');

    const removed = await raw(`${actionsUrl}/remove_from_resources`, 'POST', { remove_from: [{ type: 'server', server: { id: s.id } }] });
    expect(removed.body.actions).toEqual([expect.objectContaining({ command: 'remove_firewall' })]);
    await settled(removed.body.actions);
    expect(await firewallsOf(s.id)).toEqual([]);
    const listed = await raw(actionsUrl);
    expect(listed.body.actions.map((a: { command: string }) => a.command)).toEqual(['apply_firewall', 'set_firewall_rules', 'remove_firewall']);
  });

  test('delete is 422 resource_in_use while applied, 204 once removed; a deleted server leaves its firewalls', async () => {
    const fw = (await raw(url, 'POST', { name: 'fw', rules: WEB_RULES })).body.firewall;
    const s = await server({ firewalls: [{ firewall: fw.id }] });
    expect(await firewallsOf(s.id)).toEqual([{ id: fw.id, status: 'pending' }]);
    await waitFor(async () => ((await firewallsOf(s.id))[0]?.status === 'applied' ? true : undefined), 'applied with the create');
    const inUse = await raw(`${url}/${fw.id}`, 'DELETE');
    expect([inUse.status, inUse.body.error.code]).toEqual([422, 'resource_in_use']);

    const del = await raw(`${sandbox.hetznerUrl}/servers/${s.id}`, 'DELETE');
    await settled([del.body.action]);
    expect((await raw(`${url}/${fw.id}`)).body.firewall.applied_to).toEqual([]);
    expect((await raw(`${url}/${fw.id}`, 'DELETE')).status).toBe(204);
    expect((await raw(`${url}/${fw.id}`)).status).toBe(404);
  });

  test('server create refuses an unknown firewall; list filters by name and label selector', async () => {
    const refused = await raw(`${sandbox.hetznerUrl}/servers`, 'POST', { name: 'nofw', server_type: 'cpx22', image: 'ubuntu-24.04', firewalls: [{ firewall: 4242 }] });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'invalid_input']);
    expect(sandbox.state().servers).toEqual([]);
    const a = (await raw(url, 'POST', { name: 'a', labels: { instance: 'i-1' } })).body.firewall;
    await raw(url, 'POST', { name: 'b', labels: { instance: 'i-2' } });
    const ids = async (q: string) => (await raw(`${url}?${q}`)).body.firewalls.map((f: { id: number }) => f.id);
    expect(await ids('name=a')).toEqual([a.id]);
    expect(await ids('label_selector=instance%3Di-1')).toEqual([a.id]);
    expect((await raw(`${url}?label_selector=instance`)).body.meta.pagination.total_entries).toBe(2);
    const renamed = await raw(`${url}/${a.id}`, 'PUT', { name: 'a2', labels: {} });
    expect(renamed.body.firewall).toMatchObject({ name: 'a2', labels: {} });
  });
});
