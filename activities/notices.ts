// An operation's two notices as one activity (revision 4 of the operation workflows): the
// customer's e-mail, when the operation sends one, and the billing system's webhook, at once. It is
// sendEmail and notifyBilling composed, not copied: each side keeps its own dedupe row in Postgres,
// so a retry after one side went out sends only the other. A failure says which side failed and
// that the other went out, for the operator reading it in the Web UI; it is retried as long as a
// failed side may still succeed on its own.
import { ApplicationFailure } from '@temporalio/activity';
import type { BillingEvent, createBillingActivities } from './billing';
import type { createEmailActivities } from './email';
import type { EmailKind } from './email-templates';

export interface NoticeSides {
  sendEmail: ReturnType<typeof createEmailActivities>['sendEmail'];
  notifyBilling: ReturnType<typeof createBillingActivities>['notifyBilling'];
}

export interface CustomerAndBillingNotice extends BillingEvent {
  /** The customer's e-mail to send with the billing notice; unset: billing only. */
  email?: EmailKind;
}

export interface NoticeResult {
  email?: Awaited<ReturnType<NoticeSides['sendEmail']>>;
  billing: Awaited<ReturnType<NoticeSides['notifyBilling']>>;
}

export function createNoticeActivities({ sendEmail, notifyBilling }: NoticeSides) {
  return {
    async notifyCustomerAndBilling(input: CustomerAndBillingNotice): Promise<NoticeResult> {
      const { email, ...billingEvent } = input;
      const [mail, billing] = await Promise.allSettled([
        email ? sendEmail({ instanceId: input.instanceId, operationId: input.operationId, kind: email }) : Promise.resolve(undefined),
        notifyBilling(billingEvent),
      ]);
      if (mail.status === 'fulfilled' && billing.status === 'fulfilled') return { ...(mail.value ? { email: mail.value } : {}), billing: billing.value };
      const failed: Side[] = [];
      if (mail.status === 'rejected') failed.push({ name: `the ${email} e-mail to the customer`, error: mail.reason });
      if (billing.status === 'rejected') failed.push({ name: `the billing notice (${input.event})`, error: billing.reason });
      const sent = mail.status === 'fulfilled' && email ? `the ${email} e-mail` : billing.status === 'fulfilled' ? 'the billing notice' : undefined;
      throw noticeFailure(failed, sent);
    },
  };
}

interface Side {
  name: string;
  error: unknown;
}

/** One failure naming every failed side; retryable unless every failed side is permanent. */
function noticeFailure(failed: Side[], sent: string | undefined): ApplicationFailure {
  const messages = failed.map(({ name, error }) => `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  const after = sent ? ` (${sent} went out; a retry sends only what failed)` : '';
  const asFailure = (error: unknown) => (error instanceof ApplicationFailure ? error : undefined);
  const permanent = failed.every(({ error }) => asFailure(error)?.nonRetryable === true);
  // The type an operator and the workflows branch on: a side still worth retrying wins.
  const deciding = failed.find(({ error }) => asFailure(error)?.nonRetryable !== true) ?? failed[0]!;
  const type = asFailure(deciding.error)?.type ?? (deciding.error instanceof Error ? deciding.error.name : 'Error');
  const nextRetryDelay = permanent ? undefined : asFailure(deciding.error)?.nextRetryDelay;
  return ApplicationFailure.create({
    type,
    message: `${messages.join('; ')}${after}`,
    nonRetryable: permanent,
    details: failed.flatMap(({ error }) => asFailure(error)?.details ?? []),
    ...(nextRetryDelay !== undefined && nextRetryDelay !== null ? { nextRetryDelay } : {}),
  });
}
