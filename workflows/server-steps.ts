// Steps every operation on an existing server shares: find its server, stop or start it, and tell
// the customer and the billing system what happened (and, from revision 5, record it).
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { EmailKind } from '../activities';
import type { OperationInput, OperationOutcome } from './domain';
import { FailureType } from './failure-types';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { succeededRecord } from './operation-end';
import { revisionOf, togetherFromRevision2 } from './revisions';
import { withRecordFirst, type RecordFirst, type TransitionRecord } from './transition-record';

/** The instance's server. The entity only runs these on an instance that has one; if the read of
 * it was lost, the operation goes to `attention` naming the instance, without calling Hetzner. */
export function serverOf(input: OperationInput): number {
  const { serverId } = input.resources;
  if (serverId !== undefined) return serverId;
  const { instance } = input;
  throw ApplicationFailure.create({
    type: FailureType.InvalidInput,
    nonRetryable: true,
    message: `Instance ${instance.instanceId} has no server recorded. Check the Hetzner console; "skip" leaves the instance as it was, "abort" terminates it.`,
  });
}

/**
 * An operation's last step: tell the customer (when the operation sends an e-mail) and the billing
 * system what happened, and answer the outcome. Revision 4: both notices as ONE activity
 * (activities/notices.ts), one billable action instead of two; each side is deduplicated on its
 * own, so a retry after one went out repeats only the other, and a failure names the side. Before:
 * two activities, at once from revision 2. Revision 5: that activity also writes the operation's
 * success record once the notices are out (operation-end.ts), so the entity writes none; the
 * outcome says so (`recorded`) only when the activity answered that it did.
 */
export async function finishWithNotices(input: OperationInput, outcome: OperationOutcome, email: EmailKind | undefined, event: string): Promise<OperationOutcome> {
  const { instance, operation } = input;
  const { dedupedNotice } = operationActivities(input);
  const billing = { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event, status: outcome.status };
  const revision = revisionOf(input);
  if (revision >= 4) {
    const notices = email ? `send ${email} e-mail, notify billing: ${event}` : `notify billing: ${event}`;
    const finished = revision >= 5 ? finishedRecord(input, outcome) : undefined;
    const summary = finished ? `${notices}; record "${finished.event.message}"` : notices;
    const answer = await dedupedNotice.notifyCustomerAndBilling.executeWithOptions({ summary }, [{ ...billing, ...(email ? { email } : {}), ...(finished ? { finished } : {}) }]);
    return finished && answer.recorded === finished.event.key ? { ...outcome, recorded: true } : outcome;
  }
  const notifyBilling = () => dedupedNotice.notifyBilling.executeWithOptions({ summary: `notify billing: ${event}` }, [billing]);
  const sendEmail = () => dedupedNotice.sendEmail.executeWithOptions({ summary: `send ${email} e-mail` }, [{ instanceId: instance.instanceId, operationId: operation.operationId, kind: email! }]);
  await togetherFromRevision2(input, email ? [sendEmail, notifyBilling] : [notifyBilling]);
  return outcome;
}

/** The success record the notices' activity writes (revision 5): under this child run's own event
 * key, with "started" to write first in the same transaction, should the first activity's copy
 * have failed. */
function finishedRecord(input: OperationInput, outcome: OperationOutcome): TransitionRecord & RecordFirst {
  return withRecordFirst(succeededRecord(input.instance.instanceId, input.operation, outcome, `${workflowInfo().runId}:succeeded`), input.started);
}

export function stop(input: OperationInput, serverId: number) {
  const { instance } = input;
  const graceMs = input.timings.shutdownGraceMs;
  return operationActivities(input).longWait.stopServer.executeWithOptions({ summary: `shut down ${serverName(instance)} (power off after ${Math.round(graceMs / 1000)} s)` }, [
    { instance, serverId, gracefulTimeoutMs: graceMs },
  ]);
}

export function start(input: OperationInput, serverId: number) {
  const { instance } = input;
  return operationActivities(input).longWait.startServer.executeWithOptions({ summary: `power on ${serverName(instance)}` }, [{ instance, serverId }]);
}
