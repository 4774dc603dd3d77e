// instanceWorkflow: one long-lived workflow per instance (`instance-<id>`). It owns the instance's
// state and a FIFO queue of requested operations, runs them one at a time as child workflows,
// and stops in `attention` for an operator when one cannot finish on its own. The rules live in
// InstanceState; this file only wires signals to it and runs what it decides.
import { allHandlersFinished, condition, continueAsNew, patched, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { InstanceStateView, InstanceWorkflowInput, OperationOutcome, OperationRequest, OperatorAction } from './domain';
import { describeFailure } from './failures';
import { InstanceState, type OperatorChoice, type Settlement } from './instance-state';
import { billingEventSignal, changeGraceSignal, abortSignal, driftFoundSignal, healthChangedSignal, requestOperationSignal, retrySignal, skipSignal, stateQuery } from './messages';
import { handleBillingWork, waitUntilReadyOrDeadline } from './billing-desk';
import { raiseAlert } from './alerts';
import { attentionAlert, attentionResolvedAlert, provisionFailedAlert } from './instance-alerts';
import { handleMonitorWork } from './monitor-desk';
import { OperationChildren } from './operation-children';
import { OperatorView } from './operator-view';
import { ReadModelWriter } from './read-model';
import { CURRENT_REVISION } from './revisions';
import type { TransitionRecord } from './transition-record';
import { decide } from './transitions';

/** Patch id (workflow versioning): entities started before it replay the old way. Behind it the
 * entity upserts only when an operation ends, writes "started" while the child already runs, and
 * starts children at revision 3 (2 before revision 3 existed; a replay does not compare inputs). */
const OPERATION_REVISION_2 = 'operation-revision-2';
/** Patch id: behind it children start at revision 4 and the entity no longer writes
 * "started" itself: the record goes to the child (OperationInput.started), whose first activity
 * carries it. It implies OPERATION_REVISION_2's behaviour and is asked first, so an entity run that
 * starts on today's code records one patch marker (one TemporalChangeVersion upsert), not two. */
const OPERATION_REVISION_4 = 'operation-revision-4';
/** Patch id: behind it children start at revision 5 (CURRENT_REVISION): the child's last activity
 * writes the operation's success record, and the entity writes it only when the child's outcome
 * says that did not happen. It implies OPERATION_REVISION_4 and is asked first, for the same reason. */
const OPERATION_REVISION_5 = 'operation-revision-5';
/** Patch id: behind it the entity raises operator alerts (attention, its resolution, a failed
 * provision); entities that reached those points before it replay without them. */
const OPERATOR_ALERTS = 'operator-alerts';

interface Entity {
  input: InstanceWorkflowInput;
  state: InstanceState;
  readModel: ReadModelWriter;
  view: OperatorView;
  children: OperationChildren;
  startedOperations: number;
}

export async function instanceWorkflow(input: InstanceWorkflowInput): Promise<InstanceStateView> {
  const state = new InstanceState(input);
  const entity: Entity = {
    input,
    state,
    readModel: new ReadModelWriter(state, activitiesFor(state.timings).dbWrite),
    view: new OperatorView(state),
    children: new OperationChildren(state),
    startedOperations: 0,
  };
  setHandlers(entity);
  entity.view.refresh();
  while (state.status !== 'terminated') {
    await waitUntilReadyOrDeadline(state, () => state.queue.length > 0 || entity.readModel.hasPending || state.billingWork.length > 0 || state.monitoring.work.length > 0 || continueAsNewDue(entity));
    state.expireGraceIfDue(Date.now());
    await entity.readModel.flush();
    const accept = (request: OperationRequest) => acceptRequest(entity, request);
    if (await handleBillingWork(state, entity.readModel, accept)) entity.view.refresh();
    await handleMonitorWork(state, entity.readModel, entity.view, accept);
    if (continueAsNewDue(entity)) {
      await condition(allHandlersFinished);
      await entity.readModel.flush();
      return continueAsNew<typeof instanceWorkflow>({ ...input, carried: state.carry() });
    }
    const request = state.next();
    if (request) await runOperation(entity, request);
  }
  // Terminated: whatever is still queued can never run. Refuse it, then finish.
  await condition(allHandlersFinished);
  for (let request = state.next(); request; request = state.next()) {
    entity.readModel.writeLater(request, 'rejected', { kind: 'operation.rejected', message: 'the instance is terminated' });
  }
  await entity.readModel.flush();
  return state.view();
}

/** A request joins the queue, from the API's signal or from billing: the same rules either way. */
function acceptRequest({ state, readModel, view, children }: Entity, request: OperationRequest): void {
  const result = state.enqueue(request);
  if (result.kind === 'duplicate') return;
  for (const dropped of result.dropped) {
    readModel.writeLater(dropped, 'cancelled', { kind: 'operation.dropped', message: `dropped: terminate ${request.operationId} was requested` });
  }
  if (result.cancelProvision) children.cancelProvision();
  view.refresh();
}

function setHandlers(entity: Entity): void {
  const { state } = entity;
  setHandler(requestOperationSignal, (request) => acceptRequest(entity, request));
  setHandler(stateQuery, () => state.view());
  setHandler(billingEventSignal, (event) => state.applyBilling(event, Date.now()));
  setHandler(changeGraceSignal, (change) => state.changeGrace(change));
  setHandler(healthChangedSignal, (change) => state.applyHealth(change));
  setHandler(driftFoundSignal, (notice) => state.applyDrift(notice));
  const operatorSignals = [
    [retrySignal, 'retry'],
    [skipSignal, 'skip'],
    [abortSignal, 'abort'],
  ] as const;
  for (const [signal, choice] of operatorSignals) {
    setHandler(signal, (action: OperatorAction | undefined) => state.chooseForAttention(choice satisfies OperatorChoice, action ?? {}));
  }
}

const continueAsNewDue = ({ input, startedOperations }: Entity): boolean =>
  workflowInfo().continueAsNewSuggested || (input.continueAsNewAfterOperations !== undefined && startedOperations >= input.continueAsNewAfterOperations);

/** Run one request to its end: decide → begin → child → settle → record (or ask an operator). */
async function runOperation(entity: Entity, request: OperationRequest): Promise<void> {
  const { state, readModel, view } = entity;
  const verdict = decide(request.type, state.status, { current: state.plan, target: request.args.plan });
  if (verdict.kind !== 'run') {
    const status = verdict.kind === 'noop' ? 'succeeded' : 'rejected';
    return readModel.write(request, status, { kind: `operation.${status}`, message: verdict.reason });
  }
  entity.startedOperations += 1;
  state.begin(request);
  const revision5 = patched(OPERATION_REVISION_5);
  const revision4 = revision5 || patched(OPERATION_REVISION_4);
  const revision2 = revision4 || patched(OPERATION_REVISION_2);
  // Revision 2: the child starts with the operation's search attributes, so the entity upserts
  // only when the operation ends (none for a reboot, which ends where it began).
  if (revision2) view.refresh();
  else view.show(request.type);
  // Revision 4: "started" is not an activity of the entity's: the child's first activity carries
  // it. The entity's next write after the child carries it too, and recordTransition writes it
  // first, in that write's own transaction (a child may end before any of its activities ran, its
  // first activity's write may have failed, or its worker may lack the interceptor); its event key
  // makes it one row.
  const startedRecord = revision4 ? readModel.startedRecord(request) : undefined;
  const started = startedRecord ? undefined : readModel.started(request);
  if (!revision2) await started;
  // Runs recorded before operation-revision-5 (replaying) started their children at 4, before -4 at 3.
  const revision = revision5 ? CURRENT_REVISION : revision4 ? 4 : revision2 ? 3 : undefined;
  for (;;) {
    try {
      const outcome = await entity.children.run(request, revision, startedRecord);
      await started;
      return await recordSuccess(entity, request, outcome, startedRecord);
    } catch (error) {
      await started;
      const settlement = state.settle(describeFailure(error), new Date().toISOString());
      if (settlement.kind === 'ended') return await recordEnd(entity, request, settlement, startedRecord);
      if (!(await askOperator(entity, request, settlement.message, startedRecord))) return;
    }
  }
}

async function recordSuccess({ state, readModel, view }: Entity, request: OperationRequest, outcome: OperationOutcome, startedRecord?: TransitionRecord): Promise<void> {
  state.finish({ status: outcome.status, plan: outcome.plan, resources: outcome.resources });
  view.show('');
  // Revision 5: the child's last activity wrote it already (with "started" first).
  if (outcome.recorded) return;
  await readModel.writeSucceeded(request, outcome, startedRecord);
}

async function recordEnd({ state, readModel, view }: Entity, request: OperationRequest, settlement: Extract<Settlement, { kind: 'ended' }>, startedRecord?: TransitionRecord): Promise<void> {
  const { operationStatus, message } = settlement;
  view.show('');
  await readModel.write(request, operationStatus, { kind: `operation.${operationStatus}`, message }, { lastError: message, currentOperationId: null }, startedRecord);
  if (request.type === 'provision' && operationStatus === 'failed' && patched(OPERATOR_ALERTS)) {
    await raiseAlert(provisionFailedAlert(state.instance, request, message, new Date().toISOString()));
  }
}

/** Wait in `attention` until an operator decides. true: run the operation again. */
async function askOperator({ state, readModel, view }: Entity, request: OperationRequest, error: string, startedRecord?: TransitionRecord): Promise<boolean> {
  view.show(request.type);
  await readModel.write(request, 'running', { kind: 'instance.attention', message: error }, { lastError: error }, startedRecord);
  const since = state.attention?.since ?? new Date().toISOString();
  const alerts = patched(OPERATOR_ALERTS);
  if (alerts) await raiseAlert(attentionAlert(state.instance, request, error, since));
  await condition(() => state.operatorChoice !== undefined);
  const resolution = state.resolveAttention(uuid4);
  if (alerts) await raiseAlert(attentionResolvedAlert(state.instance, request, since, resolution.message, new Date().toISOString()));
  // The operator's name and reason belong in the audit log.
  const data = { ...resolution.action };
  if (resolution.kind === 'retry') {
    view.show(request.type);
    await readModel.write(request, 'running', { kind: 'operator.retry', message: resolution.message, data });
    return true;
  }
  view.show('');
  await readModel.write(request, 'failed', { kind: `operator.${resolution.choice}`, message: resolution.message, data }, {
    lastError: resolution.message,
    currentOperationId: null,
    ...(resolution.resources ? { resources: resolution.resources } : {}),
  });
  return false;
}
