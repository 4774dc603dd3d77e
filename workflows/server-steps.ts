// Steps every operation on an existing server shares: find its server, stop or start it, and tell
// the customer and the billing system what happened.
import { ApplicationFailure } from '@temporalio/workflow';
import type { EmailKind } from '../activities';
import type { OperationInput } from './domain';
import { FailureType } from './failure-types';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { revisionOf, togetherFromRevision2 } from './revisions';

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
 * Tell the customer (when the operation sends an e-mail) and the billing system what happened; every
 * operation's last step. Revision 4: both as ONE activity (activities/notices.ts), one billable action
 * instead of two; each side is deduplicated on its own, so a retry after one went out repeats only the
 * other, and a failure names the side. Before: two activities, at once from revision 2.
 */
export async function tellCustomerAndBilling(input: OperationInput, email: EmailKind | undefined, event: string, status: string): Promise<void> {
  const { instance, operation } = input;
  const { dedupedNotice } = operationActivities(input);
  const billing = { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event, status };
  if (revisionOf(input) >= 4) {
    const summary = email ? `send ${email} e-mail, notify billing: ${event}` : `notify billing: ${event}`;
    await dedupedNotice.notifyCustomerAndBilling.executeWithOptions({ summary }, [{ ...billing, ...(email ? { email } : {}) }]);
    return;
  }
  const notifyBilling = () => dedupedNotice.notifyBilling.executeWithOptions({ summary: `notify billing: ${event}` }, [billing]);
  if (!email) return togetherFromRevision2(input, [notifyBilling]);
  const sendEmail = () => dedupedNotice.sendEmail.executeWithOptions({ summary: `send ${email} e-mail` }, [{ instanceId: instance.instanceId, operationId: operation.operationId, kind: email }]);
  await togetherFromRevision2(input, [sendEmail, notifyBilling]);
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
