// A customer-chosen hostname must never take over or delete the operator's own DNS records:
// through the real path (signed API → workflows → cloudflare client → sandbox Cloudflare).
import { eventually, startStack, type Stack } from '../support/stack';
import { recordsNamed, serversOf } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

let serviceId = 7100;
const createBody = (hostname: string) => ({
  whmcs_service_id: ++serviceId,
  whmcs_client_id: 71,
  email: `dns${serviceId}@example.com`,
  plan: 'starter',
  region: 'eu-frankfurt',
  hostname,
});

/** A record the operator made by hand in the zone, through Cloudflare's own API. */
async function operatorRecord(name: string, type: string, content: string, comment?: string): Promise<string> {
  const res = await fetch(`${stack.sandbox.cloudflareUrl}/zones/${stack.sandbox.cloudflareZoneId}/dns_records`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.env.CLOUDFLARE_API_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type, name, content, ttl: 300, ...(comment !== undefined ? { comment } : {}) }),
  });
  const body = (await res.json()) as { success: boolean; result: { id: string } };
  if (!body.success) throw new Error(`sandbox refused the operator's record: ${JSON.stringify(body)}`);
  return body.result.id;
}

const fqdn = (label: string) => `${label}.${stack.sandbox.cloudflareZoneName}`;

async function untilStatus(id: string, status: string) {
  return eventually(
    async () => {
      const answer = await stack.call('GET', `/api/instances/${id}`);
      return answer.body?.status === status ? answer.body : undefined;
    },
    { what: `instance ${id} to be ${status}`, timeoutMs: 30_000 },
  );
}

describe('DNS names Hostflow does not own', () => {
  it('refuses a reserved hostname at the API, before anything is created', async () => {
    const before = stack.sandbox.state();
    for (const hostname of ['www', 'billing']) {
      const res = await stack.call('POST', '/api/instances', createBody(hostname));
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: [{ path: 'hostname', message: 'reserved' }] });
    }
    expect(stack.sandbox.state().servers).toHaveLength(before.servers.length);
  });

  it('fails a provision whose name has a foreign record, leaving the record as it was and nothing behind', async () => {
    const name = fqdn('shop-front');
    const foreignId = await operatorRecord(name, 'A', '198.51.100.20', 'the operator\'s shop');
    const created = await stack.call('POST', '/api/instances', createBody('shop-front'));
    expect(created.status).toBe(202);
    const id: string = created.body.id;

    const failed = await untilStatus(id, 'failed');
    expect(failed.last_error).toMatch(/DNS|shop-front/);
    expect(recordsNamed(stack.sandbox, name)).toEqual([expect.objectContaining({ id: foreignId, type: 'A', content: '198.51.100.20' })]);
    await eventually(async () => (serversOf(stack.sandbox, id).length === 0 ? true : undefined), { what: 'the rolled-back server to be deleted' });
    const provision = stack.client.workflow.getHandle(`instance-${id}/provision-1`);
    await expect(provision.result()).rejects.toMatchObject({ cause: { type: 'ProvisionFailed', message: expect.stringContaining('did not create') } });
  });

  it('does not mistake another instance\'s marker, or a look-alike comment, for its own', async () => {
    const name = fqdn('look-alike');
    await operatorRecord(name, 'TXT', 'v=spf1 -all', 'hostflow:instance=00000000-0000-4000-8000-000000000000');
    const created = await stack.call('POST', '/api/instances', createBody('look-alike'));
    await untilStatus(created.body.id, 'failed');
    expect(recordsNamed(stack.sandbox, name)).toEqual([expect.objectContaining({ type: 'TXT', content: 'v=spf1 -all' })]);
  });

  it('terminates an instance without deleting a record someone else added under its name', async () => {
    const created = await stack.call('POST', '/api/instances', createBody('own-then-shared'));
    const id: string = created.body.id;
    const running = await untilStatus(id, 'running');
    const name = fqdn('own-then-shared');
    const [own] = recordsNamed(stack.sandbox, name);
    expect(own).toMatchObject({ type: 'A', content: running.ip_address, comment: `hostflow:instance=${id}` });

    const foreignId = await operatorRecord(name, 'TXT', 'google-site-verification=abc');
    const terminate = await stack.call('DELETE', `/api/instances/${id}`, undefined, { 'Idempotency-Key': `terminate-${id}` });
    expect(terminate.status).toBe(202);
    await untilStatus(id, 'terminated');
    expect(recordsNamed(stack.sandbox, name)).toEqual([expect.objectContaining({ id: foreignId, type: 'TXT' })]);
  });
});
