// provision: server with cloud-init → DNS A record → wait for the VPS's ready callback → welcome
// e-mail → billing. If anything fails before the VPS is ready (or a terminate cancels it), the
// DNS record and the server are removed again, so nothing billable is left behind.
import { ActivityCancellationType, ApplicationFailure, CancellationScope, condition, isCancellation, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { OperationInput, OperationOutcome, ReadyPayload, Resources, ResumeAfterReady } from './domain';
import { readySignal } from './messages';
import { describeFailure, FailureType } from './failures';
import { revisionOf, togetherFromRevision2 } from './revisions';
import { minutes } from './summaries';
import { serverName } from './ids';

export async function provisionWorkflow(input: OperationInput): Promise<OperationOutcome> {
  let ready: ReadyPayload | undefined;
  setHandler(readySignal, (payload) => {
    ready ??= payload;
  });

  // A retry after `attention` of a provision whose VPS was already ready: the VPS calls back
  // once, so waiting again would time out and roll back a working server. Finish the rest.
  if (input.resumeAfterReady) return finishReady(input, input.resumeAfterReady.resources, input.resumeAfterReady.ready);

  const resources: Resources = {};
  try {
    await createServerAndName(input, resources);
    const timeout = input.timings.readyTimeoutMs;
    setCurrentDetails(`Waiting for the VPS to call back ready (up to ${minutes(timeout)})`);
    if (!(await condition(() => ready !== undefined, timeout, { summary: `wait for ready, ${minutes(timeout)}` }))) {
      throw ApplicationFailure.create({
        type: FailureType.ReadyTimeout,
        nonRetryable: true,
        message: `Server ${resources.serverId} (${resources.ipAddress}) did not call back ready within ${minutes(timeout)}: cloud-init failed or the VPS cannot reach the API.`,
      });
    }
  } catch (error) {
    await rollBack(input, resources, error);
  }
  return finishReady(input, resources, ready ?? {});
}

/** Create the server, wait for it to run, point the instance's name at it; fills `resources` as it
 * goes, so a rollback knows what exists. From revision 3 the read model learns the server and its
 * record here (one visible step), before the wait for ready. */
async function createServerAndName(input: OperationInput, resources: Resources): Promise<void> {
  const { instance } = input;
  const { shortCall, longWait, dbWrite } = activitiesFor(input.timings);
  // From revision 3 a terminate that cancels the provision waits for a step in flight to end, so
  // the rollback never runs while a create may still add a server or a record it would miss.
  const step = (summary: string) => ({ summary, ...(revisionOf(input) >= 3 ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}) });
  setCurrentDetails(`Creating server ${serverName(instance)}`);
  const created = await shortCall.createServer.executeWithOptions(step(`create server ${serverName(instance)}`), [{ instance }]);
  Object.assign(resources, { serverId: created.serverId, ipAddress: created.ipAddress, serverType: created.serverType, location: created.location });
  await longWait.waitForServerRunning.executeWithOptions(step(`wait for server ${created.serverId} to start`), [
    { instance, serverId: created.serverId!, createActionId: created.createActionId },
  ]);
  setCurrentDetails(`Creating DNS record ${instance.subdomain} → ${created.ipAddress}`);
  const { dnsRecordId } = await shortCall.ensureDnsRecord.executeWithOptions(step(`create DNS A record ${instance.subdomain} → ${created.ipAddress}`), [
    { instance, ipAddress: created.ipAddress! },
  ]);
  resources.dnsRecordId = dnsRecordId;
  if (revisionOf(input) >= 3) {
    await dbWrite.recordResources.executeWithOptions(step(`record server ${created.serverId} and DNS record`), [{ instanceId: instance.instanceId, resources: { ...resources } }]);
  }
}

/** The VPS is up: from here a failure goes to an operator (attention), never deletes a working server. */
async function finishReady(input: OperationInput, resources: Resources, ready: ReadyPayload): Promise<OperationOutcome> {
  const { instance, operation } = input;
  const { dedupedNotice } = activitiesFor(input.timings);
  setCurrentDetails('Ready; sending the welcome e-mail and notifying billing');
  try {
    await togetherFromRevision2(input, [
      () => dedupedNotice.sendEmail.executeWithOptions({ summary: 'send welcome e-mail' }, [{ instanceId: instance.instanceId, operationId: operation.operationId, kind: 'welcome' }]),
      () =>
        dedupedNotice.notifyBilling.executeWithOptions({ summary: 'notify billing: provisioned' }, [
          { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event: 'instance.provisioned', status: 'running' },
        ]),
    ]);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const cause = describeFailure(error);
    // The details tell the entity what exists, so its "retry" resumes here (see resumeAfterReady).
    throw ApplicationFailure.create({
      type: FailureType.ReadyButNotNotified,
      nonRetryable: true,
      message: `Instance ${instance.instanceId} is up and ready, but the welcome e-mail or billing notice failed: ${cause.message}`,
      details: [{ resources, ready } satisfies ResumeAfterReady],
    });
  }
  return { status: 'running', resources, plan: instance.plan, ready };
}

/** Undo in reverse order, even when the provision itself was cancelled, then fail with the cause. */
async function rollBack(input: OperationInput, resources: Resources, error: unknown): Promise<never> {
  const { instance, operation } = input;
  const { persistentUndo, dedupedNotice } = activitiesFor(input.timings);
  const cause = describeFailure(error);
  const reason = cause.cancelled ? 'cancelled by a terminate request' : cause.message;
  try {
    await CancellationScope.nonCancellable(async () => {
      setCurrentDetails(`Rolling back: ${reason}`);
      await persistentUndo.deleteDnsRecord.executeWithOptions({ summary: `roll back: delete DNS record ${instance.subdomain}` }, [{ instance }]);
      await persistentUndo.deleteServer.executeWithOptions(
        { summary: `roll back: delete server ${serverName(instance)}` },
        [{ instance, serverId: resources.serverId }],
      );
      await dedupedNotice.notifyBilling.executeWithOptions({ summary: 'notify billing: provision failed' }, [
        { instanceId: instance.instanceId, operationId: operation.operationId, serviceId: instance.serviceId, event: 'instance.provision_failed', status: 'failed', detail: reason },
      ]);
    });
  } catch (rollbackError) {
    throw ApplicationFailure.create({
      type: FailureType.CompensationFailed,
      nonRetryable: true,
      message: `Provision of instance ${instance.instanceId} failed (${reason}) and the rollback did not finish: ${describeFailure(rollbackError).message}. Server ${resources.serverId ?? 'unknown'} or its DNS record may still exist; fix the cause, then "retry" (re-runs provision) or "abort" (terminates).`,
    });
  }
  if (cause.cancelled) throw error;
  throw ApplicationFailure.create({
    type: FailureType.ProvisionFailed,
    nonRetryable: true,
    message: `Provision of instance ${instance.instanceId} failed and was rolled back (no server or DNS record left): ${reason}`,
  });
}
