import { instanceWorkflowId } from '../../workflows/ids';
import { SA_CUSTOMER_ID, SA_INSTANCE_ID, SA_INSTANCE_STATUS, SA_OPERATION, SA_PLAN, SA_REGION } from '../../workflows/search-attributes';
import { createBody, rowCounts, setStatus, signed, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.db.stop();
});
beforeEach(() => h.client.reset());

describe('POST /api/instances', () => {
  it('creates the instance and its provision operation, and starts the entity workflow with exact options', async () => {
    const body = createBody({ hostname: 'alice-box', ssh_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4H alice@laptop'] });
    const res = await signed(h.app, 'post', '/api/instances', body).expect(202);

    const id = res.body.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      id,
      status: 'provisioning',
      subdomain: 'alice-box',
      url: 'https://alice-box.example.com',
      operation: expect.objectContaining({
        id: expect.any(String),
        type: 'provision',
        status: 'queued',
        seq: 1,
        workflow_id: `instance-${id}/provision-1`,
        requested_by: 'whmcs:billing-1',
      }),
    });
    expect(res.headers['x-request-id']).toBeTruthy();

    expect(h.client.starts).toHaveLength(1);
    const start = h.client.starts[0]!;
    expect(start.workflowType).toBe('instanceWorkflow');
    expect(start.options).toEqual({
      workflowId: instanceWorkflowId(id),
      taskQueue: 'hostflow',
      args: [
        {
          instance: {
            instanceId: id,
            customerId: '77',
            serviceId: String(body.whmcs_service_id),
            plan: 'starter',
            region: 'eu-frankfurt',
            subdomain: 'alice-box',
            sshKeys: body.ssh_keys,
          },
          readyTimeoutMs: 15 * 60_000,
          // Dunning's grace periods from configuration (BILLING_*; defaults 7 and 30 days).
          billing: { pastDueGraceMs: 7 * 86_400_000, removalGraceMs: 30 * 86_400_000, snapshotBeforeRemoval: false },
        },
      ],
      signal: expect.objectContaining({ name: 'requestOperation', type: 'signal' }),
      signalArgs: [
        {
          operationId: res.body.operation.id,
          type: 'provision',
          seq: 1,
          args: {},
          idempotencyKey: 'provision',
          requestedBy: 'whmcs:billing-1',
        },
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: SA_INSTANCE_ID, value: id },
        { key: SA_CUSTOMER_ID, value: '77' },
        { key: SA_PLAN, value: 'starter' },
        { key: SA_REGION, value: 'eu-frankfurt' },
        { key: SA_INSTANCE_STATUS, value: 'provisioning' },
        { key: SA_OPERATION, value: 'provision' },
      ],
      staticSummary: 'Instance alice-box · starter · eu-frankfurt',
    });
    // No e-mail and nothing secret enters the workflow history.
    expect(JSON.stringify(start.options)).not.toContain('alice@example.com');
  });

  it('names the subdomain vps-<service id> when no hostname is given', async () => {
    const body = createBody();
    const res = await signed(h.app, 'post', '/api/instances', body).expect(202);
    expect(res.body.subdomain).toBe(`vps-${body.whmcs_service_id}`);
    expect(res.body.url).toBe(`https://vps-${body.whmcs_service_id}.example.com`);
  });

  it('returns the same instance for the same whmcs_service_id and writes nothing new, but re-sends the start to heal a lost one', async () => {
    const body = createBody();
    const first = await signed(h.app, 'post', '/api/instances', body).expect(202);
    const before = await rowCounts(h.db.handle);
    const second = await signed(h.app, 'post', '/api/instances', { ...body, plan: 'enterprise' }).expect(202);
    expect(second.body).toEqual(first.body);
    expect(await rowCounts(h.db.handle)).toEqual(before);
    // Same workflow id, same provision operation id: Temporal and the workflow de-duplicate.
    expect(h.client.starts.map((s) => s.options.workflowId)).toEqual([instanceWorkflowId(first.body.id), instanceWorkflowId(first.body.id)]);
    expect(h.client.starts[1]!.options.signalArgs).toEqual(h.client.starts[0]!.options.signalArgs);
  });

  it('creates one instance when many identical creates arrive at the same moment', async () => {
    const body = createBody();
    const before = await rowCounts(h.db.handle);
    const answers = await Promise.all(Array.from({ length: 12 }, () => signed(h.app, 'post', '/api/instances', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(202));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.operation.id)).size).toBe(1);
    expect(await rowCounts(h.db.handle)).toEqual({ instances: before.instances + 1, operations: before.operations + 1 });
    expect(new Set(h.client.starts.map((s) => s.options.workflowId)).size).toBe(1);
  });

  it('treats an entity workflow that already exists as started', async () => {
    h.client.startBehaviour = 'already-started';
    await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
  });

  it('refuses a hostname another instance uses with 409 CONFLICT', async () => {
    await signed(h.app, 'post', '/api/instances', createBody({ hostname: 'taken-name' })).expect(202);
    const res = await signed(h.app, 'post', '/api/instances', createBody({ hostname: 'taken-name' })).expect(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(res.body.error.details).toEqual([{ path: 'hostname', message: 'already in use' }]);
  });

  it('returns the same instance for the same Idempotency-Key and body, and 409 CONFLICT for another body', async () => {
    const body = createBody();
    const first = await signed(h.app, 'post', '/api/instances', body, { idempotencyKey: 'create-key-1' }).expect(202);
    const again = await signed(h.app, 'post', '/api/instances', body, { idempotencyKey: 'create-key-1' }).expect(202);
    expect(again.body).toEqual(first.body);
    const before = await rowCounts(h.db.handle);
    const starts = h.client.starts.length;
    const other = await signed(h.app, 'post', '/api/instances', createBody(), { idempotencyKey: 'create-key-1' }).expect(409);
    expect(other.body.error.code).toBe('CONFLICT');
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.client.starts).toHaveLength(starts);
  });

  it('catches an Idempotency-Key reused with another body even when both arrive at once', async () => {
    const answers = await Promise.all([
      signed(h.app, 'post', '/api/instances', createBody(), { idempotencyKey: 'create-race' }),
      signed(h.app, 'post', '/api/instances', createBody(), { idempotencyKey: 'create-race' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
  });

  it('answers 503 UNAVAILABLE when Temporal is down, and the retry heals it', async () => {
    const body = createBody();
    h.client.startBehaviour = 'unavailable';
    const res = await signed(h.app, 'post', '/api/instances', body).expect(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    h.client.startBehaviour = 'ok';
    const retry = await signed(h.app, 'post', '/api/instances', body).expect(202);
    expect(h.client.starts.at(-1)!.options.workflowId).toBe(instanceWorkflowId(retry.body.id));
  });

  it.each([
    ['a missing field', (b: Record<string, unknown>) => ({ ...b, email: undefined })],
    ['an unknown field', (b: Record<string, unknown>) => ({ ...b, admin: true })],
    ['an unknown plan', (b: Record<string, unknown>) => ({ ...b, plan: 'mega' })],
    ['an unknown region', (b: Record<string, unknown>) => ({ ...b, region: 'mars' })],
    ['a bad hostname', (b: Record<string, unknown>) => ({ ...b, hostname: 'Bad_Host' })],
    ['a hostname starting with -', (b: Record<string, unknown>) => ({ ...b, hostname: '-abc' })],
    ['six ssh keys', (b: Record<string, unknown>) => ({ ...b, ssh_keys: Array(6).fill('ssh-ed25519 AAAA') })],
    ['an ssh key with a newline', (b: Record<string, unknown>) => ({ ...b, ssh_keys: ['ssh-ed25519 AAAA\nruncmd: [reboot]'] })],
    ['a service id beyond 32 bits', (b: Record<string, unknown>) => ({ ...b, whmcs_service_id: 2 ** 31 })],
    ['a fractional client id', (b: Record<string, unknown>) => ({ ...b, whmcs_client_id: 1.5 })],
    ['a bad e-mail', (b: Record<string, unknown>) => ({ ...b, email: 'not-an-email' })],
  ])('refuses %s with 400 VALIDATION_ERROR and writes nothing', async (_what, mutate) => {
    const before = await rowCounts(h.db.handle);
    const res = await signed(h.app, 'post', '/api/instances', mutate(createBody())).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(await rowCounts(h.db.handle)).toEqual(before);
    expect(h.client.starts).toHaveLength(0);
  });
});

describe('GET /api/instances/:id and ?whmcs_service_id=', () => {
  it('reads the instance from the read model', async () => {
    const created = await signed(h.app, 'post', '/api/instances', createBody({ region: 'us-east' })).expect(202);
    const id = created.body.id as string;
    await h.db.handle.sql`update instances set status = 'running', ip_address = '203.0.113.7', server_id = 4711,
      server_type = 'cpx22', location = 'ash', dns_record_id = 'rec-1', current_operation_id = ${created.body.operation.id} where id = ${id}`;
    const res = await signed(h.app, 'get', `/api/instances/${id}`).expect(200);
    expect(res.body).toEqual({
      id,
      status: 'running',
      plan: 'starter',
      region: 'us-east',
      ip_address: '203.0.113.7',
      subdomain: created.body.subdomain,
      url: created.body.url,
      server: { id: 4711, type: 'cpx22', location: 'ash' },
      dns: { record_id: 'rec-1' },
      current_operation: expect.objectContaining({ id: created.body.operation.id, type: 'provision' }),
      last_error: null,
      billing: { state: 'current', grace_until: null },
      health: { status: 'unknown', consecutive_failures: 0, last_checked_at: null, last_ok_at: null },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('shows what the health sweep last recorded, in the instance and in the list', async () => {
    const body = createBody();
    const created = await signed(h.app, 'post', '/api/instances', body).expect(202);
    const id = created.body.id as string;
    await h.db.handle.sql`insert into instance_health (instance_id, status, consecutive_failures, episode, last_checked_at, last_ok_at, last_error)
      values (${id}, 'unhealthy', 4, 1, '2026-11-29T20:05:00Z', '2026-11-29T19:45:00Z', 'timed out after 5 s')`;
    const health = { status: 'unhealthy', consecutive_failures: 4, last_checked_at: '2026-11-29T20:05:00.000Z', last_ok_at: '2026-11-29T19:45:00.000Z' };

    const res = await signed(h.app, 'get', `/api/instances/${id}`).expect(200);
    expect(res.body.health).toEqual(health);
    const listed = await signed(h.app, 'get', `/api/instances?whmcs_service_id=${body.whmcs_service_id}`).expect(200);
    expect(listed.body.instances[0].health).toEqual(health);
  });

  it('shows no current operation and no server before the worker wrote any', async () => {
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    const res = await signed(h.app, 'get', `/api/instances/${created.body.id}`).expect(200);
    expect(res.body).toMatchObject({ current_operation: null, ip_address: null, server: { id: null, type: null, location: null }, dns: { record_id: null } });
  });

  it('answers 404 NOT_FOUND for an unknown or malformed id', async () => {
    for (const id of ['7d0c3f2e-1111-4222-8333-944455556666', 'not-a-uuid']) {
      const res = await signed(h.app, 'get', `/api/instances/${id}`).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('finds an instance by whmcs_service_id, and an empty list for an unknown one', async () => {
    const body = createBody();
    const created = await signed(h.app, 'post', '/api/instances', body).expect(202);
    const found = await signed(h.app, 'get', `/api/instances?whmcs_service_id=${body.whmcs_service_id}`).expect(200);
    expect(found.body.instances).toHaveLength(1);
    expect(found.body.instances[0].id).toBe(created.body.id);
    const none = await signed(h.app, 'get', '/api/instances?whmcs_service_id=999999').expect(200);
    expect(none.body).toEqual({ instances: [] });
  });

  it('refuses a missing or malformed whmcs_service_id with 400', async () => {
    for (const query of ['', '?whmcs_service_id=abc', '?whmcs_service_id=1&x=2', '?whmcs_service_id=99999999999']) {
      const res = await signed(h.app, 'get', `/api/instances${query}`).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('keeps a terminated instance readable', async () => {
    const created = await signed(h.app, 'post', '/api/instances', createBody()).expect(202);
    await setStatus(h.db.handle, created.body.id, 'terminated');
    const res = await signed(h.app, 'get', `/api/instances/${created.body.id}`).expect(200);
    expect(res.body.status).toBe('terminated');
  });
});
