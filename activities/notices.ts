// An operation's two notices as one activity (revision 4 of the operation workflows): the
// customer's e-mail, when the operation sends one, and the billing system's webhook, at once. It is
// sendEmail and notifyBilling composed, not copied: each side keeps its own dedupe row in Postgres,
// so a retry after one side went out sends only the other. A failure says which side failed and
// what the other did, for the operator reading it in the Web UI; it is retried as long as a failed
// side may still succeed on its own.
//
// A side refused for good (an SMTP 5xx, a billing 4xx) is remembered in the attempt's heartbeat
// details and not sent again by the next attempt: its dedupe row stays `pending` after a failure,
// so sending it again would repeat the refused e-mail on every retry the other side's transient
// failure earns. Once only refused sides are left, the activity ends without a retry.
//
// Revision 5: the input may carry the operation's success record (`finished`); once both sides are
// out the activity writes it through the records activity (once by its event key, "started" first
// in the same transaction) and answers its key as `recorded`, so the entity writes no record of its
// own. A failed write fails the attempt, retryably: the next one finds both notices already sent
// (their dedupe rows) and only writes the record.
import { ApplicationFailure } from '@temporalio/activity';
import type { BillingEvent, createBillingActivities } from './billing';
import type { createEmailActivities } from './email';
import type { EmailKind } from './email-templates';
import { FailureType } from '../workflows/failure-types';
import type { RecordFirst, TransitionRecord } from '../workflows/transition-record';
import { heartbeat, previousHeartbeat } from './keep-alive';
import type { createRecordActivities } from './records';

export interface NoticeSides {
  sendEmail: ReturnType<typeof createEmailActivities>['sendEmail'];
  notifyBilling: ReturnType<typeof createBillingActivities>['notifyBilling'];
  recordTransition: ReturnType<typeof createRecordActivities>['recordTransition'];
}

export interface CustomerAndBillingNotice extends BillingEvent {
  /** The customer's e-mail to send with the billing notice; unset: billing only. */
  email?: EmailKind;
  /** Revision 5: the operation's success record, written once both notices are out. */
  finished?: TransitionRecord & RecordFirst;
}

export interface NoticeResult {
  email?: Awaited<ReturnType<NoticeSides['sendEmail']>>;
  billing: Awaited<ReturnType<NoticeSides['notifyBilling']>>;
  /** The event key of the `finished` record, once it is written (or was already). */
  recorded?: string;
}

type SideName = 'email' | 'billing';
type SideOutcome = 'sent' | 'already sent' | 'not configured';

/** A side refused for good on an earlier attempt, as its failure said it (no secrets: the failure's own text). */
interface RefusedSide {
  type: string;
  message: string;
  details: unknown[];
}

/** The heartbeat details an attempt leaves for the next one. */
export interface NoticeProgress {
  refused: Partial<Record<SideName, RefusedSide>>;
}

interface Side {
  name: SideName;
  /** How a failure names it. */
  failed: string;
  /** How the message names it otherwise. */
  noun: string;
  send: () => Promise<SideOutcome>;
}

export function createNoticeActivities({ sendEmail, notifyBilling, recordTransition }: NoticeSides) {
  return {
    async notifyCustomerAndBilling(input: CustomerAndBillingNotice): Promise<NoticeResult> {
      const { email, finished, ...billingEvent } = input;
      const sides: Side[] = [
        ...(email ? [{ name: 'email' as const, failed: `the ${email} e-mail to the customer`, noun: `the ${email} e-mail`, send: () => sendEmail({ instanceId: input.instanceId, operationId: input.operationId, kind: email }) }] : []),
        { name: 'billing', failed: `the billing notice (${input.event})`, noun: 'the billing notice', send: () => notifyBilling(billingEvent) },
      ];
      const refused = { ...refusedEarlier() };
      const outcomes = await Promise.allSettled(sides.map((side) => (refused[side.name] ? Promise.reject(refusedFailure(refused[side.name]!)) : side.send())));
      const done = new Map<SideName, SideOutcome>();
      const failed: Failed[] = [];
      outcomes.forEach((outcome, i) => {
        const side = sides[i]!;
        if (outcome.status === 'fulfilled') done.set(side.name, outcome.value);
        else failed.push({ side, error: outcome.reason });
      });
      if (failed.length === 0) {
        const result: NoticeResult = { ...(done.has('email') ? { email: done.get('email') as NoticeResult['email'] } : {}), billing: done.get('billing')! };
        if (!finished) return result;
        await recordFinished(recordTransition, finished, sides, done);
        return { ...result, recorded: finished.event.key };
      }
      // Remember what was refused for good, so the next attempt (if any) does not send it again.
      const newlyRefused = failed.filter(({ side, error }) => isPermanent(error) && !refused[side.name]);
      for (const { side, error } of newlyRefused) {
        const failure = error as ApplicationFailure;
        refused[side.name] = { type: failure.type ?? 'Error', message: failure.message, details: [...(failure.details ?? [])] };
      }
      if (newlyRefused.length > 0) heartbeat({ refused } satisfies NoticeProgress);
      throw noticeFailure(failed, sides, done);
    },
  };
}

interface Failed {
  side: Side;
  error: unknown;
}

/** Write the operation's success record; a failure says what already went out and is retried. */
async function recordFinished(recordTransition: NoticeSides['recordTransition'], finished: TransitionRecord & RecordFirst, sides: Side[], done: Map<SideName, SideOutcome>): Promise<void> {
  try {
    await recordTransition(finished);
  } catch (error) {
    const wentOut = sides.map((side) => `${side.noun} ${OUTCOME_WORDS[done.get(side.name)!]}`).join('; ');
    throw ApplicationFailure.create({
      type: FailureType.ReadModelWriteFailed,
      message: `recording "${finished.event.message}" in Hostflow's database failed: ${error instanceof Error ? error.message : String(error)} (${wentOut}; the next attempt sends nothing again, it only records)`,
    });
  }
}

function refusedEarlier(): NoticeProgress['refused'] {
  const left = previousHeartbeat<Partial<NoticeProgress>>();
  return typeof left === 'object' && left !== null && typeof left.refused === 'object' && left.refused !== null ? left.refused : {};
}

const refusedFailure = ({ type, message, details }: RefusedSide): ApplicationFailure => ApplicationFailure.create({ type, message, nonRetryable: true, details });

const asFailure = (error: unknown) => (error instanceof ApplicationFailure ? error : undefined);
const isPermanent = (error: unknown): error is ApplicationFailure => asFailure(error)?.nonRetryable === true;

const OUTCOME_WORDS: Record<SideOutcome, string> = {
  sent: 'went out',
  'already sent': 'had already gone out',
  'not configured': 'was not sent: no billing webhook is configured',
};

/** One failure naming every failed side and what the others did; retryable unless every failed side is permanent. */
function noticeFailure(failed: Failed[], sides: Side[], done: Map<SideName, SideOutcome>): ApplicationFailure {
  const messages = failed.map(({ side, error }) => `${side.failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  const permanent = failed.every(({ error }) => isPermanent(error));
  const others = sides.filter((side) => done.has(side.name)).map((side) => `${side.noun} ${OUTCOME_WORDS[done.get(side.name)!]}`);
  const retried = failed.filter(({ error }) => !isPermanent(error));
  const wentOut = [...done.values()].some((outcome) => outcome !== 'not configured');
  // Not retried by Temporal: an operator's retry runs the operation again, and the dedupe rows keep
  // what went out from going out twice.
  const retry = permanent
    ? wentOut
      ? ["not retried; an operator's retry sends only what failed"]
      : []
    : retried.length < sides.length
      ? [`the next attempt sends only ${retried.map(({ side }) => side.noun).join(' and ')}`]
      : [];
  const after = [...others, ...retry];
  // The type an operator and the workflows branch on: a side still worth retrying wins.
  const deciding = failed.find(({ error }) => !isPermanent(error)) ?? failed[0]!;
  const type = asFailure(deciding.error)?.type ?? (deciding.error instanceof Error ? deciding.error.name : 'Error');
  const nextRetryDelay = permanent ? undefined : asFailure(deciding.error)?.nextRetryDelay;
  return ApplicationFailure.create({
    type,
    message: `${messages.join('; ')}${after.length > 0 ? ` (${after.join('; ')})` : ''}`,
    nonRetryable: permanent,
    details: failed.flatMap(({ error }) => asFailure(error)?.details ?? []),
    ...(nextRetryDelay !== undefined && nextRetryDelay !== null ? { nextRetryDelay } : {}),
  });
}
