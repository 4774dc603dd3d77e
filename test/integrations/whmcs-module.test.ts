// The WHMCS server module (integrations/whmcs), run by PHP's CLI through a harness that stands in
// for WHMCS (integrations/whmcs/tests/harness.php), against the real API of a test stack: every
// step is one `php` process called with $params shaped as WHMCS passes them; results are checked
// through the API and the sandbox. WHMCS itself is proprietary and not installable here.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eventually, startStack, TEST_API_KEY, TEST_API_SECRET, type Stack } from '../support/stack';
import { mailsTo, recordsNamed, serversOf } from '../support/world';

const ROOT = path.join(__dirname, '../../integrations/whmcs');
const HARNESS = path.join(ROOT, 'tests/harness.php');
const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends php-cli php-curl';
const FIELD = 'Hostflow Instance ID';

interface Harnessed {
  result: any;
  exception: { class: string; message: string } | null;
  log: { module: string; action: string; request: string; response: string; processed: string; replace_vars: string[] }[];
  saved: Record<string, string>;
}

function phpMissing(): string | undefined {
  const php = spawnSync('php', ['-r', 'echo function_exists("curl_init") ? "curl" : "nocurl";'], { encoding: 'utf8' });
  if (php.error) return `php is not installed: the WHMCS module's tests need PHP's CLI with cURL. Install it with: ${INSTALL}`;
  if (php.stdout !== 'curl') return `php has no cURL extension. Install it with: ${INSTALL}`;
  return undefined;
}

function runPhp(input: unknown): Promise<Harnessed> {
  return new Promise((resolve, reject) => {
    const child = spawn('php', [HARNESS], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out) as Harnessed);
      } catch (error) {
        reject(new Error(`php harness failed (${String(error)}):\n${out}\n${err}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

const call = (fn: string, params: Record<string, unknown> = {}) => runPhp({ call: fn, params });

let stack: Stack;
let apiPort: string;
let serviceId = 18_000;

/** $params as WHMCS builds them for a service of a Hostflow product on the stack's server. */
function whmcsParams(overrides: Record<string, unknown> = {}): Record<string, any> {
  const id = (overrides.serviceid as number | undefined) ?? ++serviceId;
  return {
    serviceid: id,
    userid: 77,
    pid: 3,
    serverid: 1,
    domain: `vps${id}.example.net`,
    username: '',
    password: '',
    producttype: 'server',
    moduletype: 'hostflow',
    clientsdetails: { userid: 77, firstname: 'Alice', lastname: 'Doe', email: `alice${id}@example.com` },
    configoption1: 'starter',
    configoption2: 'eu-frankfurt',
    configoption3: '',
    configoption4: 'http://127.0.0.1:8233',
    configoption5: 'hostflow-ns',
    configoptions: {},
    customfields: {},
    serverip: '127.0.0.1',
    serverhostname: '127.0.0.1',
    serverport: apiPort,
    serversecure: '',
    serverusername: TEST_API_KEY,
    serverpassword: TEST_API_SECRET,
    serveraccesshash: '',
    ...overrides,
  };
}

async function untilStatus(id: string, status: string) {
  return eventually(
    async () => {
      const answer = await stack.call('GET', `/api/instances/${id}`);
      return answer.body?.status === status ? answer.body : undefined;
    },
    { what: `instance ${id} to be ${status}`, timeoutMs: 30_000 },
  );
}

async function operations(id: string): Promise<{ seq: number; type: string; status: string; args: Record<string, unknown> }[]> {
  return (await stack.call('GET', `/api/instances/${id}/operations`)).body.operations;
}

async function untilOperationsSettled(id: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const ops = await operations(id);
      return ops.every((op) => ['succeeded', 'failed', 'cancelled', 'rejected'].includes(op.status)) ? ops : undefined;
    },
    { what: `instance ${id}'s operations to finish`, timeoutMs },
  );
}

/** The Idempotency-Key the module sent with its (one) POST or DELETE. */
function sentKey(out: Harnessed): string | undefined {
  const change = out.log.find((l) => /^(POST|DELETE) /.test(l.request));
  return change ? /^Idempotency-Key: (.+)$/m.exec(change.request)?.[1] : undefined;
}

/** The root password the sandbox's server of the instance has now (never seen by the module). */
function rootPassword(id: string): string {
  const [server] = serversOf(stack.sandbox, id) as unknown as { root_password: { value: string } | null }[];
  const value = server?.root_password?.value;
  if (!value) throw new Error(`instance ${id}'s server has no root password`);
  return value;
}

/** The module's words: one readable line, never JSON, never a PHP trace. */
function expectReadable(message: unknown) {
  expect(typeof message).toBe('string');
  const text = message as string;
  expect(text).not.toBe('success');
  expect(text.trim().startsWith('{')).toBe(false);
  expect(text).not.toMatch(/Stack trace|#0 |\.php\(\d+\)|Fatal error/);
  expect(text).not.toContain(TEST_API_SECRET);
}

function expectLogsMasked(out: Harnessed) {
  for (const entry of out.log) {
    expect(entry.module).toBe('hostflow');
    expect(entry.replace_vars).toContain(TEST_API_SECRET);
    expect(`${entry.request}${entry.response}${entry.processed}`).not.toContain(TEST_API_SECRET);
    expect(entry.request).toMatch(/^X-Request-Id: whmcs-[0-9a-f]{24}$/m);
  }
}

beforeAll(async () => {
  // Never skipped: a machine without PHP fails here, naming the command that installs it.
  const missing = phpMissing();
  if (missing) throw new Error(missing);
  stack = await startStack();
  apiPort = new URL(stack.apiUrl).port;
}, 120_000);
afterAll(() => stack?.close());

describe('the PHP sources', () => {
  it('pass php -l', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.php')) files.push(full);
      }
    };
    walk(ROOT);
    expect(files.map((f) => path.relative(ROOT, f)).sort()).toEqual(
      expect.arrayContaining(['modules/servers/hostflow/hostflow.php', 'modules/servers/hostflow/lib/Client.php', 'tests/harness.php']),
    );
    for (const file of files) {
      const lint = spawnSync('php', ['-l', file], { encoding: 'utf8' });
      expect({ file, status: lint.status, out: lint.stdout + lint.stderr }).toEqual({ file, status: 0, out: expect.stringContaining('No syntax errors') });
    }
  });

  it('signs exactly signature v2: a fixed vector computed independently', async () => {
    const vector = {
      secret: 'vector-secret-0123456789',
      method: 'post',
      target: '/api/instances/0b7d1c9e-2f4e-4c59-9f44-1d2a3b4c5d6e/resize?x=1',
      timestamp: '1700000000',
      nonce: '0123456789abcdef0123456789abcdef',
      idempotency_key: 'whmcs-42-resize-professional-after-3',
      body: '{"plan":"professional","note":"Überfällig / ü"}',
    };
    const lines = [
      'hostflow-v2',
      'request',
      'POST',
      vector.target,
      vector.timestamp,
      vector.nonce,
      vector.idempotency_key,
      createHash('sha256').update(Buffer.from(vector.body, 'utf8')).digest('hex'),
    ].join('\n');
    const expected = `v2=${createHmac('sha256', vector.secret).update(lines).digest('hex')}`;
    const out = (await runPhp({ sign: vector })) as unknown as { canonical: string; signature: string };
    expect(out.canonical).toBe(lines);
    expect(out.signature).toBe(expected);
    // A GET signs an empty Idempotency-Key line and the hash of the empty body.
    const get = { ...vector, method: 'GET', target: '/api/instances?whmcs_service_id=7', idempotency_key: '', body: '' };
    const getLines = ['hostflow-v2', 'request', 'GET', get.target, get.timestamp, get.nonce, '', createHash('sha256').update('').digest('hex')].join('\n');
    expect(((await runPhp({ sign: get })) as unknown as { signature: string }).signature).toBe(`v2=${createHmac('sha256', vector.secret).update(getLines).digest('hex')}`);
    // The worked example of the API's own documentation (OpenAPI description, README "Signing").
    const documented = {
      secret: 'example-secret-0123456789abcdef',
      method: 'POST',
      target: '/api/instances',
      timestamp: '1767225600',
      nonce: 'pK3v9XqL2mN8sR4tW6yZ0b',
      idempotency_key: 'whmcs-1042-create',
      body: '{"whmcs_service_id":1042,"whmcs_client_id":77,"email":"alice@example.com","plan":"starter","region":"eu-frankfurt"}',
    };
    expect(((await runPhp({ sign: documented })) as unknown as { signature: string }).signature).toBe(
      'v2=b89408892a5f46d255f963d10938b9d6df021c390aaa0c957ceae79a42fcafb1',
    );
  });
});

describe('module settings', () => {
  it('describes itself and its product settings; plans and regions come from the catalog, or a fallback before a server is set', async () => {
    const meta = await call('MetaData');
    expect(meta.result).toMatchObject({ DisplayName: 'Hostflow', APIVersion: '1.1', RequiresServer: true });
    const options = (await call('ConfigOptions')).result;
    expect(Object.keys(options)).toEqual(['Plan', 'Region', 'Snapshot before terminate', 'Temporal Web UI URL', 'Temporal namespace', 'Rebuild image']);
    expect(options.Plan).toMatchObject({ Type: 'dropdown', Loader: 'hostflow_LoadPlans' });
    expect(options.Region).toMatchObject({ Type: 'dropdown', Loader: 'hostflow_LoadRegions' });
    expect(options['Rebuild image']).toMatchObject({ Type: 'dropdown', Loader: 'hostflow_LoadImages', Default: 'ubuntu-24.04' });
    // The catalog names the install image (not yet the list of rebuild images): it leads the built-in list.
    expect((await call('LoadImages', whmcsParams())).result).toEqual({ 'ubuntu-24.04': 'ubuntu-24.04', 'ubuntu-22.04': 'ubuntu-22.04', 'debian-12': 'debian-12' });

    const plans = await call('LoadPlans', whmcsParams());
    expect(plans.result).toEqual({ starter: 'starter (cpx22)', professional: 'professional (cpx32)', enterprise: 'enterprise (cpx42)' });
    const regions = await call('LoadRegions', whmcsParams());
    expect(regions.result).toMatchObject({ 'eu-frankfurt': 'eu-frankfurt (fsn1)', 'jp-tokyo': 'jp-tokyo (nbg1)' });
    // No server configured yet: the built-in list, no request.
    const unconfigured = await call('LoadPlans', { serverhostname: '', serverusername: '', serverpassword: '' });
    expect(unconfigured.result).toEqual({ starter: 'starter', professional: 'professional', enterprise: 'enterprise' });
    expect(unconfigured.log).toEqual([]);
    // A configured server that refuses: the loader throws a readable message (WHMCS shows it).
    const refused = await call('LoadPlans', whmcsParams({ serverpassword: 'wrong-secret-0123456789' }));
    expect(refused.exception?.message).toMatch(/^Hostflow refused the server credentials .*the signature does not match/);

    expect((await call('TestConnection', whmcsParams())).result).toEqual({ success: true, error: '' });
    expect((await call('AdminCustomButtonArray')).result).toEqual({
      Reboot: 'reboot',
      Snapshot: 'snapshot',
      'Restore latest snapshot': 'restoreLatestSnapshot',
      Rebuild: 'rebuild',
      'Reset root password (e-mailed to the client)': 'resetPassword',
    });
    expect((await call('ClientAreaCustomButtonArray')).result).toEqual({ 'Reset root password (sent by e-mail)': 'clientResetPassword' });
  });
});

describe('a service through its whole lifecycle', () => {
  it('create → running → suspend → unsuspend → change package → reboot → snapshot → restore → reset password → rebuild → suspend → terminate, each retry doing nothing twice', async () => {
    const params = whmcsParams({ configoption3: 'on' });
    const created = await call('CreateAccount', params);
    expect(created.result).toBe('success');
    const id = created.saved[FIELD]!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expectLogsMasked(created);
    expect(created.log[0]!.request).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/api\/instances\n/);
    expect(created.log[0]!.request).toContain(`Idempotency-Key: whmcs-${params.serviceid}-create-`);
    expect(created.log[0]!.response).toMatch(/^HTTP 202\n/);

    // WHMCS now passes the stored custom field with every call.
    const service = { ...params, customfields: { [FIELD]: id } };
    const found = await stack.call('GET', `/api/instances?whmcs_service_id=${params.serviceid}`);
    expect(found.body.instances.map((i: { id: string }) => i.id)).toEqual([id]);

    // The admin clicks Create again, also with the custom field lost: the same instance.
    for (const again of [service, params]) {
      const repeated = await call('CreateAccount', again);
      expect(repeated.result).toBe('success');
      expect(repeated.saved[FIELD] ?? id).toBe(id);
    }

    const running = await untilStatus(id, 'running');
    expect(running.plan).toBe('starter');
    expect(serversOf(stack.sandbox, id)).toHaveLength(1);
    expect(recordsNamed(stack.sandbox, `vps${params.serviceid}.hostflow.test`)).toHaveLength(1);

    const area = (await call('ClientArea', service)).result;
    expect(area.tabOverviewReplacementTemplate).toBe('templates/clientarea.tpl');
    expect(area.templateVariables).toMatchObject({
      hostflowError: false,
      hostflowInstance: { status: 'running', ip_address: running.ip_address, url: `https://vps${params.serviceid}.hostflow.test`, plan: 'starter', region: 'eu-frankfurt' },
      hostflowOperations: [expect.objectContaining({ type: 'provision', status: 'succeeded' })],
    });
    // Every variable the template reads is one ClientArea hands it.
    const template = readFileSync(path.join(ROOT, 'modules/servers/hostflow', area.tabOverviewReplacementTemplate), 'utf8');
    for (const [, name, field] of template.matchAll(/\$(hostflow\w+)(?:\.(\w+))?/g)) {
      expect({ name, field, known: field ? field in area.templateVariables[name!] : name! in area.templateVariables }).toEqual({ name, field, known: true });
    }
    for (const [, field] of template.matchAll(/\$operation\.(\w+)/g)) expect(Object.keys(area.templateVariables.hostflowOperations[0])).toContain(field);

    // Suspend, and WHMCS retries it: one suspend operation.
    expect((await call('SuspendAccount', { ...service, suspendreason: 'Overdue on Payment' })).result).toBe('success');
    expect((await call('SuspendAccount', { ...service, suspendreason: 'Overdue on Payment' })).result).toBe('success');
    await untilStatus(id, 'suspended');

    expect((await call('UnsuspendAccount', service)).result).toBe('success');
    await untilStatus(id, 'running');

    // Upgrade to professional (the product's plan changed), retried: one resize.
    const upgraded = { ...service, configoption1: 'professional' };
    expect((await call('ChangePackage', upgraded)).result).toBe('success');
    expect((await call('ChangePackage', upgraded)).result).toBe('success');
    await eventually(async () => ((await stack.call('GET', `/api/instances/${id}`)).body.plan === 'professional' ? true : undefined), { what: 'the resize' });
    await untilStatus(id, 'running');

    const reboot = await call('reboot', upgraded);
    expect(reboot.result).toBe('success');
    expect(reboot.log.some((l) => l.request.startsWith(`POST http://127.0.0.1:${apiPort}/api/instances/${id}/reboot`))).toBe(true);
    await untilOperationsSettled(id);

    // Restore latest snapshot before there is one: said so, nothing requested.
    const none = await call('restoreLatestSnapshot', upgraded);
    expectReadable(none.result);
    expect(none.result).toMatch(/^Hostflow has no snapshot of this server \(instance [0-9a-f-]{36}\) to restore: take one with the Snapshot button first$/);
    expect(none.log.every((l) => l.request.startsWith('GET '))).toBe(true);
    expect(await operations(id)).toHaveLength(5);

    // Snapshot, and the admin clicks again: one snapshot operation.
    const snapshot = await call('snapshot', upgraded);
    expect(snapshot.result).toBe('success');
    expect(sentKey(snapshot)).toBe(`whmcs-${params.serviceid}-snapshot-after-5`);
    expect((await call('snapshot', upgraded)).result).toBe('success');
    await untilOperationsSettled(id, 60_000);
    const snapshots = (await stack.call('GET', `/api/instances/${id}/snapshots`)).body.snapshots as { id: number; description: string }[];
    expect(snapshots).toEqual([expect.objectContaining({ description: 'WHMCS admin snapshot' })]);
    const withSnapshot = (await call('ClientArea', upgraded)).result;
    expect(withSnapshot.templateVariables.hostflowSnapshots).toEqual([{ id: String(snapshots[0]!.id), description: 'WHMCS admin snapshot', created: expect.stringMatching(/^\d{4}-/) }]);
    for (const [, field] of template.matchAll(/\$snapshot\.(\w+)/g)) expect(Object.keys(withSnapshot.templateVariables.hostflowSnapshots[0])).toContain(field);

    // Restore it (a rebuild from the newest snapshot), retried: one rebuild.
    const restore = await call('restoreLatestSnapshot', upgraded);
    expect(restore.result).toBe('success');
    expect(sentKey(restore)).toBe(`whmcs-${params.serviceid}-rebuild-snapshot-${snapshots[0]!.id}-after-6`);
    expect((await call('restoreLatestSnapshot', upgraded)).result).toBe('success');
    await untilOperationsSettled(id, 60_000);
    await untilStatus(id, 'running');

    // Reset root password: Hostflow e-mails it to the customer; the module never sees it. Retried: one reset.
    const reset = await call('resetPassword', upgraded);
    expect(reset.result).toBe('success');
    expect((await call('resetPassword', upgraded)).result).toBe('success');
    await untilOperationsSettled(id, 60_000);
    const password = rootPassword(id);
    const resetMails = () => mailsTo(stack.sandbox, params.clientsdetails.email).filter((m) => /root password was requested/.test(m.text));
    const mail = await eventually(async () => resetMails().find((m) => m.text.includes(password)), { what: 'the root password e-mail' });
    expect(mail.subject).toMatch(/^New root password /);
    expect(resetMails()).toHaveLength(1);
    expect(JSON.stringify(reset.log)).not.toContain(password);

    // Rebuild from the product's "Rebuild image".
    const rebuild = await call('rebuild', { ...upgraded, configoption6: 'debian-12' });
    expect(rebuild.result).toBe('success');
    expect(sentKey(rebuild)).toBe(`whmcs-${params.serviceid}-rebuild-image-debian-12-after-8`);
    await untilOperationsSettled(id, 60_000);
    await untilStatus(id, 'running');
    expect(serversOf(stack.sandbox, id)).toHaveLength(1);

    // A second suspend, later: a new operation (not the first suspend's answer).
    expect((await call('SuspendAccount', { ...upgraded, suspendreason: 'Overdue on Payment' })).result).toBe('success');
    await untilStatus(id, 'suspended');

    const admin = (await call('AdminServicesTabFields', upgraded)).result as Record<string, string>;
    expect(admin['Hostflow instance']).toContain(id);
    expect(admin['Hostflow instance']).toContain('suspended');
    expect(admin.Temporal).toContain(`href="http://127.0.0.1:8233/namespaces/hostflow-ns/workflows/instance-${id}"`);
    // The last five operations, each with what it was about.
    expect(admin['Hostflow operations']).toContain('rebuild <small>(from image debian-12)</small>');
    expect(admin['Hostflow operations']).toContain(`rebuild <small>(from snapshot ${snapshots[0]!.id})</small>`);
    expect(admin['Hostflow operations']).toContain('reset_password <small>(new password e-mailed to the customer)</small>');
    expect(admin['Hostflow snapshots']).toContain('WHMCS admin snapshot');

    // Terminate (with the product's snapshot setting), and WHMCS retries it after it finished.
    expect((await call('TerminateAccount', upgraded)).result).toBe('success');
    await untilStatus(id, 'terminated');
    expect((await call('TerminateAccount', upgraded)).result).toBe('success');

    const ops = await untilOperationsSettled(id);
    expect(ops.map((op) => [op.type, op.status])).toEqual([
      ['provision', 'succeeded'],
      ['suspend', 'succeeded'],
      ['unsuspend', 'succeeded'],
      ['resize', 'succeeded'],
      ['reboot', 'succeeded'],
      ['snapshot', 'succeeded'],
      ['rebuild', 'succeeded'],
      ['reset_password', 'succeeded'],
      ['rebuild', 'succeeded'],
      ['suspend', 'succeeded'],
      ['terminate', 'succeeded'],
    ]);
    expect(ops[3]!.args).toMatchObject({ plan: 'professional' });
    expect(ops[5]!.args).toEqual({ description: 'WHMCS admin snapshot' });
    expect(ops[6]!.args).toEqual({ snapshot_id: snapshots[0]!.id });
    expect(ops[7]!.args).toEqual({ reason: 'WHMCS admin' });
    expect(ops[8]!.args).toEqual({ image: 'debian-12' });
    expect(ops[10]!.args).toMatchObject({ snapshot: true });
    expect(serversOf(stack.sandbox, id)).toHaveLength(0);
    expect(recordsNamed(stack.sandbox, `vps${params.serviceid}.hostflow.test`)).toHaveLength(0);

    // A terminated service cannot be created again: said so, no new server.
    const recreate = await call('CreateAccount', params);
    expectReadable(recreate.result);
    expect(recreate.result).toContain('was terminated');
  }, 240_000);
});

describe('failures a billing admin can read', () => {
  it('wrong credentials: a readable error, and nothing created', async () => {
    const params = whmcsParams({ serverpassword: 'not-the-secret-0123456789' });
    const out = await call('CreateAccount', params);
    expectReadable(out.result);
    expect(out.result).toMatch(/^Hostflow refused the server credentials \(.*\): the signature does not match \[request whmcs-[0-9a-f]{24}\]$/);
    expect(out.saved).toEqual({});
    expect(out.log[0]!.request).not.toContain('not-the-secret');
    expect((await stack.call('GET', `/api/instances?whmcs_service_id=${params.serviceid}`)).body.instances).toEqual([]);

    const test = (await call('TestConnection', { ...params, serverusername: 'nobody' })).result;
    expect(test.success).toBe(false);
    expectReadable(test.error);
  });

  it('an API that is down: "unreachable" with the host, and nothing half done', async () => {
    const closed = await freePort();
    const params = whmcsParams({ serverport: String(closed) });
    const out = await call('CreateAccount', params);
    expectReadable(out.result);
    expect(out.result).toMatch(new RegExp(`^Hostflow API unreachable at 127\\.0\\.0\\.1:${closed}: .+`));
    expect(out.saved).toEqual({});
    // The same service against the running API afterwards: nothing exists, and a create works once.
    expect((await stack.call('GET', `/api/instances?whmcs_service_id=${params.serviceid}`)).body.instances).toEqual([]);
    const up = whmcsParams({ serviceid: params.serviceid });
    expect((await call('CreateAccount', up)).result).toBe('success');
    const instances = (await stack.call('GET', `/api/instances?whmcs_service_id=${params.serviceid}`)).body.instances;
    expect(instances).toHaveLength(1);

    // An operation while the API is down: the same readable error; the client area degrades.
    const service = { ...params, customfields: { [FIELD]: instances[0].id } };
    expect((await call('SuspendAccount', service)).result).toMatch(/^Hostflow API unreachable at 127\.0\.0\.1:\d+: /);
    const area = (await call('ClientArea', service)).result;
    expect(area.templateVariables).toMatchObject({ hostflowError: true, hostflowInstance: null });
    const admin = (await call('AdminServicesTabFields', service)).result;
    expect(admin.Hostflow).toContain('Hostflow API unreachable');
    await untilStatus(instances[0].id, 'running');
    expect(await operations(instances[0].id)).toHaveLength(1);

    // The client's own reset button: while the API is down, a friendly sentence (the reason is in
    // the module log); once it is up, it works.
    const clientReset = await call('clientResetPassword', service);
    expectReadable(clientReset.result);
    expect(clientReset.result).toBe('Your root password could not be reset right now. Please try again in a few minutes, or contact support.');
    expect(clientReset.log.some((l) => l.action === 'ClientResetPassword' && l.response.startsWith('Hostflow API unreachable'))).toBe(true);
    expect((await call('clientResetPassword', { ...service, serverport: apiPort })).result).toBe('success');
    const [, resetOp] = await untilOperationsSettled(instances[0].id);
    expect(resetOp).toMatchObject({ type: 'reset_password', status: 'succeeded', args: { reason: 'WHMCS client' } });
  }, 120_000);
});

describe('byte for byte', () => {
  it("the module's requests pass the API's normal verification, exactly as captured on the wire", async () => {
    const proxy = await captureProxy(stack.apiUrl);
    try {
      const params = whmcsParams({ serverhostname: `http://127.0.0.1:${proxy.port}`, serverport: '', domain: 'über.example', clientsdetails: { email: 'joerg+whmcs@example.com' } });
      expect((await call('CreateAccount', params)).result).toBe('success');
      const id = (await stack.call('GET', `/api/instances?whmcs_service_id=${params.serviceid}`)).body.instances[0].id;
      await untilStatus(id, 'running');
      const suspended = await call('SuspendAccount', { ...params, customfields: { [FIELD]: id }, suspendreason: 'Überfällig — invoice #88 / "overdue"' });
      expect(suspended.result).toBe('success');

      const posts = proxy.captured.filter((c) => c.method !== 'GET');
      expect(posts.map((c) => `${c.method} ${c.url} ${c.status}`)).toEqual([
        'POST /api/instances 202',
        `POST /api/instances/${id}/suspend 202`,
      ]);
      expect(proxy.captured.some((c) => c.method === 'GET' && c.url === `/api/instances/${id}/operations?limit=200&after_seq=0` && c.status === 200)).toBe(true);
      for (const c of proxy.captured) {
        const header = (name: string) => c.headers[name] as string | undefined;
        expect(header('x-api-key')).toBe(TEST_API_KEY);
        expect(header('x-timestamp')).toMatch(/^[1-9][0-9]*$/);
        expect(header('x-nonce')).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
        if (c.method !== 'GET') expect(header('idempotency-key')).toMatch(/^[\x21-\x7e]{1,200}$/);
        const lines = ['hostflow-v2', 'request', c.method, c.url, header('x-timestamp'), header('x-nonce'), header('idempotency-key') ?? '', createHash('sha256').update(c.body).digest('hex')].join('\n');
        expect(header('x-signature')).toBe(`v2=${createHmac('sha256', TEST_API_SECRET).update(lines).digest('hex')}`);
      }
      const suspend = posts[1]!;
      expect(JSON.parse(suspend.body.toString('utf8'))).toEqual({ reason: 'WHMCS: Überfällig — invoice #88 / "overdue"' });
      expect(suspend.body.toString('utf8')).toContain('Überfällig'); // raw UTF-8, not \u escapes
      // Nonces are never reused.
      expect(new Set(proxy.captured.map((c) => c.headers['x-nonce'])).size).toBe(proxy.captured.length);
    } finally {
      await proxy.close();
    }
  });
});

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

/** Forwards every request unchanged to the API and keeps the exact bytes it carried. */
async function captureProxy(target: string): Promise<{ port: number; captured: Captured[]; close(): Promise<void> }> {
  const captured: Captured[] = [];
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length', 'expect'].includes(name)),
      ) as Record<string, string>;
      fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length > 0 ? body : undefined })
        .then(async (answer) => {
          const text = Buffer.from(await answer.arrayBuffer());
          captured.push({ method: req.method!, url: req.url!, headers: req.headers, body, status: answer.status });
          res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    captured,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
