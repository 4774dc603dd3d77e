// notifyCustomerAndBilling (activities/notices.ts): sendEmail and notifyBilling composed into one
// activity. Both sides run; a failure names the side that failed and what the other did, and is
// retried unless every failed side is permanent. A side refused for good is not sent again by the
// next attempt (heartbeat details), and once only such sides are left the activity ends for good.
// Revision 5: a `finished` record is written once both sides are out, and its key answered.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createNoticeActivities, type NoticeProgress, type NoticeSides } from '../../activities/notices';
import { FailureType } from '../../workflows/failure-types';
import type { RecordFirst, TransitionRecord } from '../../workflows/transition-record';

const notice = { instanceId: 'i-1', operationId: 'op-1', serviceId: '7', event: 'instance.suspended', status: 'suspended' };
const refused = (message: string) => ApplicationFailure.create({ type: FailureType.ProviderRefused, message, nonRetryable: true, details: [{ provider: 'SMTP' }] });
const transient = (message: string) => ApplicationFailure.create({ type: 'billing webhook.http_503', message, nonRetryable: false, nextRetryDelay: 5_000 });

function sides(email: () => Promise<'sent' | 'already sent'>, billing: () => Promise<'sent' | 'already sent' | 'not configured'>, record: () => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const both: NoticeSides = {
    sendEmail: async (input) => {
      calls.push(`email:${input.kind}`);
      return email();
    },
    notifyBilling: async (input) => {
      calls.push(`billing:${input.event}`);
      return billing();
    },
    recordTransition: async (input) => {
      calls.push(`record:${input.event.kind}${input.recordFirst ? ` after ${input.recordFirst.event.kind}` : ''}`);
      return record();
    },
  };
  return { calls, ...createNoticeActivities(both) };
}

/** An attempt of the activity, with what the previous one heartbeated (the SDK's failure warnings kept quiet). */
const attempt = (n: number, heartbeatDetails?: unknown) => new MockActivityEnvironment({ attempt: n, heartbeatDetails }, { logger: new DefaultLogger('ERROR', () => undefined) });

const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
  try {
    await promise;
  } catch (error) {
    return error as ApplicationFailure;
  }
  throw new Error('expected a failure');
};

describe('notifyCustomerAndBilling', () => {
  it('sends the e-mail and the billing notice, and says what each side did', async () => {
    const { calls, notifyCustomerAndBilling } = sides(async () => 'sent', async () => 'already sent');
    expect(await notifyCustomerAndBilling({ ...notice, email: 'suspended' })).toEqual({ email: 'sent', billing: 'already sent' });
    expect(calls).toEqual(['email:suspended', 'billing:instance.suspended']);
  });

  it('without an e-mail kind sends only the billing notice', async () => {
    const { calls, notifyCustomerAndBilling } = sides(async () => 'sent', async () => 'not configured');
    expect(await notifyCustomerAndBilling(notice)).toEqual({ billing: 'not configured' });
    expect(calls).toEqual(['billing:instance.suspended']);
  });

  it('a refused e-mail: permanent, named, and the billing notice still went out', async () => {
    const { calls, notifyCustomerAndBilling } = sides(() => Promise.reject(refused('SMTP 550 mailbox unavailable')), async () => 'sent');
    const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(calls).toEqual(['email:suspended', 'billing:instance.suspended']);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: FailureType.ProviderRefused, nonRetryable: true, details: [{ provider: 'SMTP' }] });
    expect(failure.message).toBe("the suspended e-mail to the customer failed: SMTP 550 mailbox unavailable (the billing notice went out; not retried; an operator's retry sends only what failed)");
  });

  it('a transient billing failure is retried (with its back-off), the e-mail having gone out', async () => {
    const { notifyCustomerAndBilling } = sides(async () => 'sent', () => Promise.reject(transient('billing webhook 503')));
    const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(failure).toMatchObject({ type: 'billing webhook.http_503', nonRetryable: false, nextRetryDelay: 5_000 });
    expect(failure.message).toBe('the billing notice (instance.suspended) failed: billing webhook 503 (the suspended e-mail went out; the next attempt sends only the billing notice)');
  });

  it('both failing: both named; retried while one of them may still succeed on its own', async () => {
    const { notifyCustomerAndBilling } = sides(() => Promise.reject(refused('SMTP 550')), () => Promise.reject(new Error('connect ECONNREFUSED')));
    const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(failure).toMatchObject({ type: 'Error', nonRetryable: false });
    expect(failure.message).toBe('the suspended e-mail to the customer failed: SMTP 550; the billing notice (instance.suspended) failed: connect ECONNREFUSED (the next attempt sends only the billing notice)');

    const permanent = sides(() => Promise.reject(refused('SMTP 550')), () => Promise.reject(refused('billing 400')));
    const both = await failureOf(permanent.notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(both).toMatchObject({ type: FailureType.ProviderRefused, nonRetryable: true });
    expect(both.message).toBe('the suspended e-mail to the customer failed: SMTP 550; the billing notice (instance.suspended) failed: billing 400');

    const transientBoth = sides(() => Promise.reject(new Error('connect ETIMEDOUT')), () => Promise.reject(new Error('connect ECONNREFUSED')));
    expect((await failureOf(transientBoth.notifyCustomerAndBilling({ ...notice, email: 'suspended' }))).message).toBe(
      'the suspended e-mail to the customer failed: connect ETIMEDOUT; the billing notice (instance.suspended) failed: connect ECONNREFUSED',
    );
  });

  it('says what the other side did: sent before, or not configured', async () => {
    const unconfigured = sides(() => Promise.reject(refused('SMTP 550')), async () => 'not configured');
    const failure = await failureOf(unconfigured.notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(failure).toMatchObject({ nonRetryable: true });
    expect(failure.message).toBe('the suspended e-mail to the customer failed: SMTP 550 (the billing notice was not sent: no billing webhook is configured)');

    const earlier = sides(async () => 'already sent', () => Promise.reject(transient('billing webhook 503')));
    expect((await failureOf(earlier.notifyCustomerAndBilling({ ...notice, email: 'suspended' }))).message).toBe(
      'the billing notice (instance.suspended) failed: billing webhook 503 (the suspended e-mail had already gone out; the next attempt sends only the billing notice)',
    );
  });

  it('a refused e-mail is not sent again by the attempt a transient billing failure earns; then only it is left: not retried', async () => {
    let billingUp = false;
    const { calls, notifyCustomerAndBilling } = sides(
      () => Promise.reject(refused('SMTP 550 mailbox unavailable')),
      () => (billingUp ? Promise.resolve('sent' as const) : Promise.reject(transient('billing webhook 503'))),
    );
    const input = { ...notice, email: 'suspended' as const };

    // Attempt 1: both fail; the e-mail for good, which its heartbeat remembers.
    const first = attempt(1);
    const beats: unknown[] = [];
    first.on('heartbeat', (details: unknown) => beats.push(details));
    const firstFailure = await failureOf(first.run(notifyCustomerAndBilling, input));
    expect(firstFailure).toMatchObject({ type: 'billing webhook.http_503', nonRetryable: false });
    expect(beats).toEqual([{ refused: { email: { type: FailureType.ProviderRefused, message: 'SMTP 550 mailbox unavailable', details: [{ provider: 'SMTP' }] } } } satisfies NoticeProgress]);

    // Attempt 2, billing still down: the e-mail is not sent again; still retried, no new heartbeat.
    const second = attempt(2, beats.at(-1));
    second.on('heartbeat', (details: unknown) => beats.push(details));
    const secondFailure = await failureOf(second.run(notifyCustomerAndBilling, input));
    expect(secondFailure).toMatchObject({ type: 'billing webhook.http_503', nonRetryable: false });
    expect(secondFailure.message).toBe('the suspended e-mail to the customer failed: SMTP 550 mailbox unavailable; the billing notice (instance.suspended) failed: billing webhook 503 (the next attempt sends only the billing notice)');
    expect(beats).toHaveLength(1);

    // Attempt 3, billing back: only the refused e-mail is left, so it ends for good, named as before.
    billingUp = true;
    const third = attempt(3, beats.at(-1));
    const last = await failureOf(third.run(notifyCustomerAndBilling, input));
    expect(last).toMatchObject({ type: FailureType.ProviderRefused, nonRetryable: true, details: [{ provider: 'SMTP' }] });
    expect(last.message).toBe("the suspended e-mail to the customer failed: SMTP 550 mailbox unavailable (the billing notice went out; not retried; an operator's retry sends only what failed)");
    expect(calls).toEqual(['email:suspended', 'billing:instance.suspended', 'billing:instance.suspended', 'billing:instance.suspended']);
  });

  describe('with the operation\'s success record (revision 5)', () => {
    const finished: TransitionRecord & RecordFirst = {
      instanceId: 'i-1',
      status: 'suspended',
      currentOperationId: null,
      event: { key: 'child-run:succeeded', kind: 'operation.succeeded', message: 'suspend succeeded' },
      recordFirst: { instanceId: 'i-1', status: 'suspending', event: { key: 'entity-run:7', kind: 'operation.started', message: 'suspend started' } },
    };

    it('writes it after both notices, "started" with it, and answers its key', async () => {
      const { calls, notifyCustomerAndBilling } = sides(async () => 'sent', async () => 'sent');
      expect(await notifyCustomerAndBilling({ ...notice, email: 'suspended', finished })).toEqual({ email: 'sent', billing: 'sent', recorded: 'child-run:succeeded' });
      expect(calls).toEqual(['email:suspended', 'billing:instance.suspended', 'record:operation.succeeded after operation.started']);
    });

    it('is not written when a notice failed: the entity records the failure', async () => {
      const { calls, notifyCustomerAndBilling } = sides(async () => 'sent', () => Promise.reject(transient('billing webhook 503')));
      await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended', finished }));
      expect(calls).toEqual(['email:suspended', 'billing:instance.suspended']);
    });

    it('a failed write is retried and says what went out; the next attempt sends nothing again, it only records', async () => {
      let databaseUp = false;
      const { calls, notifyCustomerAndBilling } = sides(
        async () => (calls.filter((c) => c.startsWith('email')).length > 1 ? 'already sent' : 'sent'),
        async () => (calls.filter((c) => c.startsWith('billing')).length > 1 ? 'already sent' : 'sent'),
        async () => {
          if (!databaseUp) throw new Error('Connection terminated unexpectedly');
        },
      );
      const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended', finished }));
      expect(failure).toMatchObject({ type: FailureType.ReadModelWriteFailed, nonRetryable: false });
      expect(failure.message).toBe(
        'recording "suspend succeeded" in Hostflow\'s database failed: Connection terminated unexpectedly (the suspended e-mail went out; the billing notice went out; the next attempt sends nothing again, it only records)',
      );
      databaseUp = true;
      expect(await notifyCustomerAndBilling({ ...notice, email: 'suspended', finished })).toEqual({ email: 'already sent', billing: 'already sent', recorded: 'child-run:succeeded' });
    });
  });
});
