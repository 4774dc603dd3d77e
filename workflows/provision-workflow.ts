// provision: server with cloud-init → DNS A record → wait for the VPS's ready callback → welcome
// e-mail → billing. If anything fails before the VPS is ready (it reports `failed`, it never
// answers, or a terminate cancels it), what was built is removed again in reverse order, so
// nothing billable is left behind.
import { ApplicationFailure, CancellationScope, isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { OperationInput, OperationOutcome, ReadyPayload, Resources, ResumeAfterReady } from './domain';
import { describeFailure, FailureType } from './failures';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { buildServer, type BuildReport } from './provision-steps';
import { revisionOf } from './revisions';
import { finishWithNotices } from './server-steps';
import { minutes } from './summaries';
import { listenForVm } from './vm-callback';

export async function provisionWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const vm = listenForVm();
  // A retry after `attention` of a provision whose VPS was already ready: the VPS calls back
  // once, so waiting again would time out and roll back a working server. Finish the rest.
  if (input.resumeAfterReady) return finishReady(input, input.resumeAfterReady.resources, input.resumeAfterReady.ready, {});

  const resources: Resources = {};
  let report: BuildReport = {};
  try {
    report = await buildServer(input, resources);
    const timeout = input.timings.readyTimeoutMs;
    setCurrentDetails(`Waiting for the VPS to call back ready (up to ${minutes(timeout)})`);
    await vm.wait(timeout, `Server ${resources.serverId} (${resources.ipAddress})`);
  } catch (error) {
    await rollBack(input, resources, error);
  }
  return finishReady(input, resources, vm.ready ?? {}, report);
}

/** The VPS is up: from here a failure goes to an operator (attention), never deletes a working server. */
async function finishReady(input: OperationInput, resources: Resources, ready: ReadyPayload, report: BuildReport): Promise<OperationOutcome> {
  const { instance } = input;
  setCurrentDetails('Ready; sending the welcome e-mail and notifying billing');
  try {
    return await finishWithNotices(input, { status: 'running', resources, plan: instance.plan, ready, ...report }, 'welcome', 'instance.provisioned');
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
}

/** Undo in reverse order, even when the provision itself was cancelled, then fail with the cause. */
async function rollBack(input: OperationInput, resources: Resources, error: unknown): Promise<never> {
  const { instance, operation } = input;
  const { persistentUndo, dedupedNotice } = operationActivities(input);
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
      if (revisionOf(input) >= 3) {
        await persistentUndo.deleteFirewall.executeWithOptions({ summary: `roll back: delete firewall of ${serverName(instance)}` }, [{ instance }]);
        await persistentUndo.deleteUnusedSshKeys.executeWithOptions({ summary: 'roll back: delete SSH keys no server uses' }, [{ instance }]);
      }
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
