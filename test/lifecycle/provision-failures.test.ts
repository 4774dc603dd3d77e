// A provision that cannot finish leaves nothing billable behind: terminated while it waits for the
// VPS, or timed out because the VPS never calls back, it ends with 0 servers and 0 DNS records.
import { billingEvents, createInstance, leftovers, mailSubjects, operationsOf, requestOperation, untilEntity, untilOperationDone, untilStatus } from '../support/lifecycle';
import { startStack, type Stack } from '../support/stack';
import { recordsNamed } from '../support/world';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ readyTimeout: '2s', sandbox: { vmMode: 'never' } });
});
afterAll(() => stack?.close());

describe('a provision that cannot finish', () => {
  it('is cancelled by a terminate while it waits for ready, rolls back, and ends with 0 servers and 0 records', async () => {
    const created = await createInstance(stack);
    // Waiting for ready: the DNS record exists.
    await untilEntity(stack, created.id, () => recordsNamed(stack.sandbox, created.fqdn).length === 1, 'the provision to wait for ready');
    const terminate = await requestOperation(stack, created.id, 'terminate');
    expect(await untilOperationDone(stack, created.id, terminate.id)).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'terminated');
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
    const provision = (await operationsOf(stack, created.id)).find((o) => o.type === 'provision');
    expect(provision).toMatchObject({ status: 'cancelled', error: expect.stringContaining('cancelled by terminate') });
    expect(billingEvents(stack, created.id)).toEqual(['instance.provision_failed', 'instance.terminated']);
    // Never welcomed, so no goodbye either.
    expect(mailSubjects(stack, created)).toEqual([]);
  });

  it('fails after its ready timeout, rolls back, rejects what was queued behind it, and terminates cleanly', async () => {
    const created = await createInstance(stack);
    // Queued behind the provision; when its turn comes the instance has failed.
    const suspend = await requestOperation(stack, created.id, 'suspend');
    const failed = await untilStatus(stack, created.id, 'failed');
    expect(failed.last_error).toMatch(/did not call back ready within 2 s/);
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
    const provision = (await operationsOf(stack, created.id)).find((o) => o.type === 'provision');
    expect(provision).toMatchObject({ status: 'failed', error: expect.stringMatching(/rolled back \(no server or DNS record left\).*did not call back ready/) });
    expect(await untilOperationDone(stack, created.id, suspend.id)).toMatchObject({ status: 'rejected', error: expect.stringMatching(/failed; only terminate/) });
    expect(billingEvents(stack, created.id)).toEqual(['instance.provision_failed']);

    // From failed only terminate is allowed: the API refuses the rest at once.
    const refused = await stack.call('POST', `/api/instances/${created.id}/reboot`);
    expect(refused.status).toBe(409);
    const terminate = await requestOperation(stack, created.id, 'terminate');
    expect(await untilOperationDone(stack, created.id, terminate.id)).toMatchObject({ status: 'succeeded' });
    await untilStatus(stack, created.id, 'terminated');
    expect(leftovers(stack, created)).toEqual({ servers: 0, records: 0 });
    expect(mailSubjects(stack, created)).toEqual([]);
  });
});
