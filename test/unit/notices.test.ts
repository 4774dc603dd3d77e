// notifyCustomerAndBilling (activities/notices.ts): sendEmail and notifyBilling composed into one
// activity. Both sides run; a failure names the side that failed and the side that went out, and
// is retried unless every failed side is permanent.
import { ApplicationFailure } from '@temporalio/common';
import { createNoticeActivities, type NoticeSides } from '../../activities/notices';
import { FailureType } from '../../workflows/failure-types';

const notice = { instanceId: 'i-1', operationId: 'op-1', serviceId: '7', event: 'instance.suspended', status: 'suspended' };
const refused = (message: string) => ApplicationFailure.create({ type: FailureType.ProviderRefused, message, nonRetryable: true, details: [{ provider: 'SMTP' }] });
const transient = (message: string) => ApplicationFailure.create({ type: 'billing webhook.http_503', message, nonRetryable: false, nextRetryDelay: 5_000 });

function sides(email: () => Promise<'sent' | 'already sent'>, billing: () => Promise<'sent' | 'already sent' | 'not configured'>) {
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
  };
  return { calls, ...createNoticeActivities(both) };
}

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
    expect(failure.message).toBe('the suspended e-mail to the customer failed: SMTP 550 mailbox unavailable (the billing notice went out; a retry sends only what failed)');
  });

  it('a transient billing failure is retried (with its back-off), the e-mail having gone out', async () => {
    const { notifyCustomerAndBilling } = sides(async () => 'sent', () => Promise.reject(transient('billing webhook 503')));
    const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(failure).toMatchObject({ type: 'billing webhook.http_503', nonRetryable: false, nextRetryDelay: 5_000 });
    expect(failure.message).toBe('the billing notice (instance.suspended) failed: billing webhook 503 (the suspended e-mail went out; a retry sends only what failed)');
  });

  it('both failing: both named; retried while one of them may still succeed on its own', async () => {
    const { notifyCustomerAndBilling } = sides(() => Promise.reject(refused('SMTP 550')), () => Promise.reject(new Error('connect ECONNREFUSED')));
    const failure = await failureOf(notifyCustomerAndBilling({ ...notice, email: 'suspended' }));
    expect(failure).toMatchObject({ type: 'Error', nonRetryable: false });
    expect(failure.message).toBe('the suspended e-mail to the customer failed: SMTP 550; the billing notice (instance.suspended) failed: connect ECONNREFUSED');

    const permanent = sides(() => Promise.reject(refused('SMTP 550')), () => Promise.reject(refused('billing 400')));
    expect(await failureOf(permanent.notifyCustomerAndBilling({ ...notice, email: 'suspended' }))).toMatchObject({ type: FailureType.ProviderRefused, nonRetryable: true });
  });
});
