// Twenty full lifecycles at once against providers that fail 30 % of all calls with 503, throw
// bounded 429 storms at the start of every phase, and lose the answer to creates and deletes after
// doing them. Every one ends with exactly the servers, records, e-mails and webhooks it should
// have: no duplicates, no orphans. Back-off is shortened for the test through the entity's timings,
// and attempts raised so a 30 % failure rate cannot exhaust them.
import type { FaultRule } from '../../sandbox';
import { createInstance, leftovers, requestOperation, untilOperationDone, untilStatus, type Created } from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { serverCensus, type ServerCensus } from '../support/world';

const LIFECYCLES = 20;
const SEED = 4;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    // The providers' own rate limits stay out of the way: the 429s here are the injected storms.
    sandbox: { hetznerRateLimit: { limit: 1_000_000, refillPerSecond: 10_000 }, cloudflareRateLimit: { limit: 1_000_000, windowSeconds: 300 } },
    entity: { timings: { retry: { initialIntervalMs: 100, maximumIntervalMs: 1_000, maximumAttempts: 100 } } },
    // Twenty instances polled through the API at once are more than a billing system's budget.
    apiRateLimits: { perKeyPerMinute: 1_000_000 },
    // Hundreds of attempts fail here by design; their warnings would bury the test's own output.
    runtimeLogLevel: 'ERROR',
  });
});
afterAll(() => stack?.close());

const CREATES_AND_DELETES = [
  'POST /v1/servers',
  'DELETE /v1/servers/:id',
  'POST /client/v4/zones/:zone_id/dns_records',
  'DELETE /client/v4/zones/:zone_id/dns_records/:id',
];

/**
 * Counted faults fire first, in rule order, so each storm hits the first calls of one phase
 * (creating, powering, deleting, DNS) and then drains: a storm of a few requests, several times a
 * run, as a provider throws them. Lost answers: the first two of each create/delete for sure, then
 * one in five. Everything else: 30 % 503.
 */
function faults(): FaultRule[] {
  const storm = (route: string, count: number): FaultRule => ({ route, rateLimitStorm: { count } });
  return [
    storm('*', 8),
    storm('POST /v1/servers', 6),
    storm('POST /v1/servers/:id/actions/shutdown', 6),
    storm('POST /v1/servers/:id/actions/change_type', 6),
    storm('POST /v1/servers/:id/actions/reboot', 6),
    storm('DELETE /v1/servers/:id', 6),
    storm('DELETE /client/v4/zones/:zone_id/dns_records/:id', 6),
    ...CREATES_AND_DELETES.map((route): FaultRule => ({ route, commitThenDrop: { count: 2, rate: 0.2 } })),
    { route: '*', errorRate: 0.3, status: 503 },
  ];
}

const EXPECTED_MAIL = [/is ready$/, /is suspended$/, /is back online$/, /has been removed$/];

async function lifecycle(created: Created): Promise<void> {
  const instance = await untilStatus(stack, created.id, 'running', 150_000);
  // Running: exactly one server and one record, and the record points at it.
  expect(leftovers(stack, created)).toEqual({ servers: 1, records: 1 });
  expect(instance.ip_address).toBe(stack.sandbox.state().dns_records.find((r) => r['name'] === created.fqdn)?.['content']);
  for (const [op, body] of [['suspend'], ['unsuspend'], ['resize', { plan: 'professional' }], ['reboot'], ['terminate']] as const) {
    const operation = await requestOperation(stack, created.id, op, body);
    const done = await untilOperationDone(stack, created.id, operation.id, 150_000);
    expect([op, done.status, done.error]).toEqual([op, 'succeeded', null]);
  }
  await untilStatus(stack, created.id, 'terminated');
}

describe('twenty lifecycles under provider faults', () => {
  it('end with exactly the expected servers, records, e-mails and webhooks', async () => {
    stack.sandbox.setFaults(faults(), SEED);
    const census: ServerCensus = serverCensus(stack.sandbox);
    let created: Created[] = [];
    try {
      created = await Promise.all(Array.from({ length: LIFECYCLES }, () => createInstance(stack)));
      // Settle all before judging, so no lifecycle is still polling when the stack closes.
      const failed = (await Promise.allSettled(created.map(lifecycle))).flatMap((r, i) => (r.status === 'rejected' ? [`${created[i]!.id}: ${String(r.reason)}`] : []));
      expect(failed).toEqual([]);
    } finally {
      census.stop();
    }
    const state = stack.sandbox.state();
    stack.sandbox.setFaults([]);

    // The faults really happened: every storm and every counted lost answer was spent, and the
    // 503s hit many calls (more requests than a fault-free run needs).
    for (const rule of state.faults.rules) {
      if (rule.rateLimitStorm) expect([rule.route, rule.rateLimitStorm.count]).toEqual([rule.route, 0]);
      if (rule.commitThenDrop) expect([rule.route, rule.commitThenDrop.count]).toEqual([rule.route, 0]);
    }
    expect(state.requests['POST /v1/servers']).toBeGreaterThan(LIFECYCLES + 2);

    // Nothing left: no server, no DNS record, every instance terminated.
    expect(state.servers).toEqual([]);
    expect(state.dns_records).toEqual([]);
    for (const c of created) expect((await stack.client.workflow.getHandle(`instance-${c.id}`).result()).status).toBe('terminated');

    // One server was ever created per instance: a lost create was found again, never repeated.
    expect(state.actions.filter((a) => a['command'] === 'create_server')).toHaveLength(LIFECYCLES);
    for (const c of created) expect([c.id, census.seen(c.id).size, census.mostAtOnce(c.id)]).toEqual([c.id, 1, 1]);

    // Exactly one e-mail of each kind per instance, each with its own Message-ID.
    const messageIds = state.messages.map((m) => m.headers['message-id']);
    expect(new Set(messageIds).size).toBe(messageIds.length);
    expect(state.messages).toHaveLength(LIFECYCLES * EXPECTED_MAIL.length);
    for (const c of created) {
      const subjects = state.messages.filter((m) => m.to.includes(c.email)).map((m) => m.subject);
      expect(subjects).toEqual(EXPECTED_MAIL.map((pattern) => expect.stringMatching(pattern)));
      const webhooks = stack.billingCalls.filter((b) => b.body.instance_id === c.id).map((b) => b.body.event);
      expect(webhooks).toEqual(['instance.provisioned', 'instance.suspended', 'instance.unsuspended', 'instance.resized', 'instance.rebooted', 'instance.terminated']);
    }
  }, 240_000);
});
