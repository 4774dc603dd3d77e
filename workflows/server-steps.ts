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

export async function tellCustomerAndBilling(input: OperationInput, email: 'suspended' | 'unsuspended' | undefined, event: string, status: string): Promise<void> {
  if (revisionOf(input) >= 4) return notifyCustomerAndBilling(input, email, event, status);
  const { instance, operation } = input;
  const { dedupedNotice } = operationActivities(input);
  const sendEmail = () => dedupedNotice.sendEmail.executeWithOptions({ summary: `send ${email} e-mail` }, [{ instanceId: instance.instanceId, operationId: operation.operationId, kind: email! }]);
  const notifyBilling = () =>
    dedupedNotice.notifyBilling.executeWithOptions({ summary: `notify billing: ${event}` }, [
      { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event, status },
    ]);
  await togetherFromRevision2(input, email ? [sendEmail, notifyBilling] : [notifyBilling]);
}

/**
 * Revision 4: the customer's e-mail (if the operation sends one) and the billing notice as ONE
 * activity (activities/notices.ts), one billable action instead of two. Each side is deduplicated
 * on its own, so a retry after one went out repeats only the other; a failure names the side.
 */
export async function notifyCustomerAndBilling(input: OperationInput, email: EmailKind | undefined, event: string, status: string): Promise<void> {
  const { instance, operation } = input;
  const summary = email ? `send ${email} e-mail, notify billing: ${event}` : `notify billing: ${event}`;
  await operationActivities(input).dedupedNotice.notifyCustomerAndBilling.executeWithOptions({ summary }, [
    { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event, status, ...(email ? { email } : {}) },
  ]);
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
