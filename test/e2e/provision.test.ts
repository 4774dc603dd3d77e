// Issue #2's walking skeleton, end to end through the real path: signed POST → signalWithStart of
// the entity → provision child → hcloud-js and cloudflare against the sandbox → the simulated VM
// calls back ready → welcome e-mail → running in Postgres → GET shows it.
import { callbackToken } from '../../config/callback-token';
import { historyJson, historyText, instanceWorkflowIds } from '../support/histories';
import { mailsTo, recordsNamed, serversOf } from '../support/world';
import { eventually, startStack, TEST_API_SECRET, TEST_CALLBACK_SECRET, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

let serviceId = 1000;
const createBody = (overrides: Record<string, unknown> = {}) => ({
  whmcs_service_id: ++serviceId,
  whmcs_client_id: 77,
  email: `customer${serviceId}@example.com`,
  plan: 'professional',
  region: 'eu-frankfurt',
  hostname: `acme-${serviceId}`,
  ...overrides,
});

async function untilStatus(id: string, status: string) {
  return eventually(
    async () => {
      const answer = await stack.call('GET', `/api/instances/${id}`);
      return answer.body?.status === status ? answer.body : undefined;
    },
    { what: `instance ${id} to be ${status}` },
  );
}

describe('provisioning one instance end to end', () => {
  it('turns a signed create request into a running server with DNS, e-mail and billing notice', async () => {
    const body = createBody();
    const created = await stack.call('POST', '/api/instances', body);
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    expect(created.body).toMatchObject({
      status: 'provisioning',
      subdomain: body.hostname,
      url: `https://${body.hostname}.hostflow.test`,
      operation: { type: 'provision', workflow_id: `instance-${id}/provision-1` },
    });

    const instance = await untilStatus(id, 'running');
    expect(instance.ip_address).toMatch(/^203\.0\.113\.\d+$/);
    expect(instance.server).toMatchObject({ type: 'cpx32', location: 'fsn1' });
    expect(instance.dns.record_id).toBeTruthy();

    const servers = serversOf(stack.sandbox, id);
    expect(servers).toHaveLength(1);
    expect(servers[0]!.status).toBe('running');
    const records = recordsNamed(stack.sandbox, `${body.hostname}.hostflow.test`);
    expect(records).toEqual([expect.objectContaining({ type: 'A', content: instance.ip_address })]);
    const mails = await eventually(async () => {
      const found = mailsTo(stack.sandbox, body.email);
      return found.length > 0 ? found : undefined;
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(body.hostname);
    await eventually(async () => (stack.billingCalls.some((c) => c.body.instance_id === id && c.body.event === 'instance.provisioned') ? true : undefined));

    const operations = await stack.call('GET', `/api/instances/${id}/operations`);
    expect(operations.body.operations).toEqual([expect.objectContaining({ type: 'provision', status: 'succeeded' })]);

    // What an operator sees: the entity and its child, found by the InstanceId search attribute.
    const ids = await eventually(async () => {
      const found = await instanceWorkflowIds(stack.client, id);
      return found.length >= 2 ? found.sort() : undefined;
    });
    expect(ids).toEqual([`instance-${id}`, `instance-${id}/provision-1`]);

    // No secret in any history: not the callback token, not a signing secret, not a provider token.
    const token = callbackToken(TEST_CALLBACK_SECRET, id);
    for (const workflowId of ids) {
      const history = await historyText(stack.client, workflowId);
      for (const secret of [token, TEST_CALLBACK_SECRET, TEST_API_SECRET, 'sandbox-hetzner-token', 'sandbox-cloudflare-token', body.email]) {
        expect(history).not.toContain(secret);
      }
    }
  });

  it('answers a repeated create with the same instance and starts no second server', async () => {
    const body = createBody();
    const [a, b] = await Promise.all([stack.call('POST', '/api/instances', body), stack.call('POST', '/api/instances', body)]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    await untilStatus(a.body.id, 'running');
    const again = await stack.call('POST', '/api/instances', body);
    expect(again.body.id).toBe(a.body.id);
    expect(serversOf(stack.sandbox, a.body.id)).toHaveLength(1);
  });
});

describe('the ready callback', () => {
  it('refuses a wrong token with 401 and sends no signal; the right token completes the provision', async () => {
    stack.sandbox.setVmMode('never');
    try {
      const created = await stack.call('POST', '/api/instances', createBody());
      const id: string = created.body.id;
      const childId = `instance-${id}/provision-1`;
      // Wait until the provision is waiting for ready (the DNS record exists).
      await eventually(async () => ((await stack.call('GET', `/api/instances/${id}`)).body?.dns?.record_id ? true : undefined));

      for (const headers of [{ 'X-Callback-Token': 'f'.repeat(64) }, {}] as Record<string, string>[]) {
        const refused = await fetch(`${stack.apiUrl}/api/instances/${id}/ready`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
        expect(refused.status).toBe(401);
        expect(await refused.json()).toEqual({ error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
      }
      expect(await historyJson(stack.client, childId)).not.toContain('WORKFLOW_EXECUTION_SIGNALED');

      const token = callbackToken(TEST_CALLBACK_SECRET, id);
      for (let i = 0; i < 2; i++) {
        const accepted = await fetch(`${stack.apiUrl}/api/instances/${id}/ready`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Callback-Token': token },
          body: JSON.stringify({ openclaw_version: '1.2.3', gateway_port: 18789 }),
        });
        expect(accepted.status).toBe(200);
        expect(await accepted.json()).toEqual({ acknowledged: true });
      }
      await untilStatus(id, 'running');
    } finally {
      stack.sandbox.setVmMode('once');
    }
  });
});
