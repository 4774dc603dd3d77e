// The entity's side of dunning: record each billing change, tell the customer, and queue the
// operations billing asks for through the same queue as every other request. The rules are in
// dunning.ts; the deadline is a durable timer of the entity's loop (instance-workflow.ts).
import { condition } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { OperationRequest } from './domain';
import type { InstanceState } from './instance-state';
import type { ReadModelWriter } from './read-model';
import { reserveAndQueue } from './reserved-requests';

/** Wait for `ready`, or until the grace deadline (one timer, only while a grace period runs). */
export async function waitUntilReadyOrDeadline(state: InstanceState, ready: () => boolean): Promise<void> {
  const ms = state.dunning.msUntilDeadline(Date.now());
  if (ms === undefined) return condition(ready);
  if (ms === 0) return;
  await condition(ready, ms, { summary: `billing grace: ${state.dunning.describe() ?? 'deadline'}` });
}

/** Work through what billing signals and the deadline left: record, e-mail, and queue through `accept` (the entity's own door for requests). */
export async function handleBillingWork(state: InstanceState, readModel: ReadModelWriter, accept: (request: OperationRequest) => void): Promise<boolean> {
  const { dedupedNotice } = activitiesFor(state.timings);
  let changed = false;
  for (let work = state.billingWork.shift(); work; work = state.billingWork.shift()) {
    changed = true;
    await readModel.writeBilling({ kind: `billing.${work.kind}`, message: work.message });
    if (work.email) {
      await dedupedNotice.sendEmail.executeWithOptions({ summary: `send ${work.email.kind} e-mail` }, [
        { instanceId: state.instance.instanceId, operationId: work.email.key, kind: work.email.kind },
      ]);
    }
    for (const request of work.requests) await reserveAndQueue(state, request, accept);
  }
  return changed;
}
