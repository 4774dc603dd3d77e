// instanceWorkflow: one long-lived workflow per instance (`instance-<id>`). It owns the instance's
// state and a FIFO queue of requested operations, runs them one at a time as child workflows,
// and stops in `attention` for an operator when one cannot finish on its own.
import {
  allHandlersFinished,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  executeChild,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { TransitionRecord } from './transition-record';
import { activitiesFor } from './activity-proxies';
import type { InstanceStateView, InstanceWorkflowInput, OperationInput, OperationOutcome, OperationRequest, ResumeAfterReady } from './domain';
import { operationWorkflowId } from './ids';
import { abortSignal, requestOperationSignal, retrySignal, skipSignal, stateQuery } from './messages';
import { instanceSearchAttributes, SA_CUSTOMER_ID, SA_INSTANCE_ID, SA_INSTANCE_STATUS, SA_OPERATION, SA_PLAN, SA_REGION } from './search-attributes';
import type { OperationStatus, OperationType } from './statuses';
import { describeFailure, FailureType } from './failures';
import { InstanceState } from './instance-state';
import { provisionWorkflow } from './provision-workflow';
import { CURRENT_REVISION } from './revisions';
import { rebootWorkflow, resizeWorkflow, suspendWorkflow, unsuspendWorkflow } from './server-operations';
import { operationSummary } from './summaries';
import { terminateWorkflow } from './terminate-workflow';
import { decide } from './transitions';

/** Patch id (workflow versioning): entities started before it replay the old way. Behind it the
 * entity upserts only when an operation ends, writes "started" while the child already runs, and
 * starts children at CURRENT_REVISION. */
const OPERATION_REVISION_2 = 'operation-revision-2';

const OPERATION_WORKFLOWS: Record<OperationType, (input: OperationInput) => Promise<OperationOutcome>> = {
  provision: provisionWorkflow,
  suspend: suspendWorkflow,
  unsuspend: unsuspendWorkflow,
  resize: resizeWorkflow,
  reboot: rebootWorkflow,
  terminate: terminateWorkflow,
};

type OperatorChoice = 'retry' | 'skip' | 'abort';

export async function instanceWorkflow(input: InstanceWorkflowInput): Promise<InstanceStateView> {
  const state = new InstanceState(input);
  const { instance } = state;
  const { records } = activitiesFor(state.timings);
  const toRecord: TransitionRecord[] = [];
  let provisionScope: CancellationScope | undefined;
  let operatorChoice: OperatorChoice | undefined;
  let startedOperations = 0;
  let eventSeq = 0;

  // Search attributes: set once at start by the API, then upserted only when they change
  // (every upsert is a billable action on Temporal Cloud).
  let shownStatus = workflowInfo().typedSearchAttributes.get(SA_INSTANCE_STATUS);
  let shownOperation = workflowInfo().typedSearchAttributes.get(SA_OPERATION);
  let shownPlan = workflowInfo().typedSearchAttributes.get(SA_PLAN);
  function showInUi(operation: string): void {
    const updates = [];
    if (shownStatus !== state.status) updates.push({ key: SA_INSTANCE_STATUS, value: (shownStatus = state.status) });
    if (shownOperation !== operation) updates.push({ key: SA_OPERATION, value: (shownOperation = operation) });
    if (shownPlan !== state.plan) updates.push({ key: SA_PLAN, value: (shownPlan = state.plan) });
    if (workflowInfo().typedSearchAttributes.get(SA_INSTANCE_ID) === undefined) {
      // Started without attributes (e.g. by hand from the CLI): add the identifying ones too.
      updates.push({ key: SA_INSTANCE_ID, value: instance.instanceId }, { key: SA_CUSTOMER_ID, value: instance.customerId }, { key: SA_REGION, value: instance.region });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
    setCurrentDetails(describe());
  }
  function describe(): string {
    if (state.attention) {
      return `NEEDS AN OPERATOR: ${state.attention.request.type}-${state.attention.request.seq} failed: ${state.attention.error}\nRepair: signal "retry", "skip" or "abort" — README runbook, "Instance in attention".`;
    }
    const queued = state.queue.length ? `; queued: ${state.queue.map((q) => `${q.type}-${q.seq}`).join(', ')}` : '';
    const running = state.current ? `; running ${state.current.request.type}-${state.current.request.seq}` : '';
    const error = state.lastError ? `\nLast error: ${state.lastError}` : '';
    return `${state.status} · ${state.plan}${running}${queued}${error}`;
  }

  function record(op: OperationRequest, status: OperationStatus, event: { kind: string; message: string }, extra: Partial<TransitionRecord> = {}): TransitionRecord {
    return {
      instanceId: instance.instanceId,
      status: state.status,
      operations: [{ request: op, status, workflowId: operationWorkflowId(instance.instanceId, op.type, op.seq), error: status === 'succeeded' || status === 'running' ? undefined : event.message }],
      event: { key: `${workflowInfo().runId}:${(eventSeq += 1)}`, ...event },
      ...extra,
    };
  }

  setHandler(requestOperationSignal, (request) => {
    const result = state.enqueue(request);
    if (result.kind === 'duplicate') return;
    for (const dropped of result.dropped) {
      toRecord.push(record(dropped, 'cancelled', { kind: 'operation.dropped', message: `dropped: terminate ${request.operationId} was requested` }));
    }
    if (result.cancelProvision) provisionScope?.cancel();
    // A terminate while an operation waits for an operator is that operator's "abort".
    if (request.type === 'terminate' && state.attention) operatorChoice = 'abort';
    setCurrentDetails(describe());
  });
  setHandler(stateQuery, () => state.view());
  const operatorSignals = [
    [retrySignal, 'retry'],
    [skipSignal, 'skip'],
    [abortSignal, 'abort'],
  ] as const;
  for (const [signal, choice] of operatorSignals) {
    setHandler(signal, () => {
      if (state.attention) operatorChoice = choice;
    });
  }

  const flushRecords = async () => {
    while (toRecord.length > 0) await records.recordTransition(toRecord.shift()!);
  };

  async function runChild(
    request: OperationRequest,
    fromStatus: OperationInput['fromStatus'],
    resumeAfterReady: ResumeAfterReady | undefined,
    revision: number | undefined,
  ): Promise<OperationOutcome> {
    const child = () =>
      executeChild(OPERATION_WORKFLOWS[request.type], {
        workflowId: operationWorkflowId(instance.instanceId, request.type, request.seq),
        args: [
          {
            instance: { ...instance, plan: state.plan },
            operation: request,
            resources: state.resources,
            fromStatus,
            timings: state.timings,
            ...(resumeAfterReady ? { resumeAfterReady } : {}),
            ...(revision ? { revision } : {}),
          },
        ],
        staticSummary: operationSummary(request.type, { ...instance, plan: state.plan }, request.args.plan),
        // A retry after `attention` starts the same child id again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        // Wait for a cancelled provision to finish its rollback before terminate starts.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        typedSearchAttributes: instanceSearchAttributes({ ...instance, plan: state.plan }, state.status, request.type),
      });
    if (request.type !== 'provision') return child();
    provisionScope = new CancellationScope();
    try {
      return await provisionScope.run(child);
    } finally {
      provisionScope = undefined;
    }
  }

  /** Run one request to its end: succeeded, refused, failed, or resolved by an operator. */
  async function runOperation(request: OperationRequest): Promise<void> {
    const verdict = decide(request.type, state.status, { current: state.plan, target: request.args.plan });
    if (verdict.kind !== 'run') {
      const status = verdict.kind === 'noop' ? 'succeeded' : 'rejected';
      await records.recordTransition(record(request, status, { kind: `operation.${status}`, message: verdict.reason }));
      return;
    }
    startedOperations += 1;
    state.begin(request);
    const revision2 = patched(OPERATION_REVISION_2);
    // The child is started with the operation's search attributes, so the entity only upserts
    // when the operation ends: one billable upsert per operation instead of two (none for a
    // reboot, which ends where it began).
    if (revision2) setCurrentDetails(describe());
    else showInUi(request.type);
    const started = records.recordTransition(
      record(request, 'running', { kind: 'operation.started', message: `${request.type} started` }, { currentOperationId: request.operationId, lastError: null }),
    );
    // The "started" row and the child's first step are independent: run them at once, and wait
    // for the row before anything that records the operation's end. The no-op catch only keeps a
    // failure from counting as unhandled while the child runs; `await started` still throws it.
    started.catch(() => undefined);
    if (!revision2) await started;
    // Set when a provision's VPS was ready but its e-mail or billing notice failed.
    let resumeAfterReady: ResumeAfterReady | undefined;
    for (;;) {
      const fromStatus = state.current!.fromStatus;
      try {
        const outcome = await runChild(request, fromStatus, resumeAfterReady, revision2 ? CURRENT_REVISION : undefined);
        await started;
        state.finish({ status: outcome.status, plan: outcome.plan, resources: outcome.resources });
        showInUi('');
        await records.recordTransition(
          record(request, 'succeeded', { kind: 'operation.succeeded', message: outcome.noop ? `${request.type}: nothing to do, ${outcome.noop}` : `${request.type} succeeded` }, {
            plan: state.plan,
            resources: outcome.resources,
            currentOperationId: null,
            lastError: null,
            openclawVersion: outcome.ready?.openclawVersion,
          }),
        );
        return;
      } catch (error) {
        await started;
        const failure = describeFailure(error);
        const endsHere: Partial<Record<string, [OperationStatus, typeof state.status]>> = {
          [FailureType.ProvisionFailed]: ['failed', 'failed'],
          [FailureType.OperationRefused]: ['failed', fromStatus],
        };
        const end = failure.cancelled ? (['cancelled', 'failed'] as const) : endsHere[failure.type ?? ''];
        if (end) {
          const [opStatus, instanceStatus] = end;
          const message = failure.cancelled ? `${request.type} cancelled by terminate; rolled back` : failure.message;
          state.finish({ status: instanceStatus, error: message });
          showInUi('');
          await records.recordTransition(record(request, opStatus, { kind: `operation.${opStatus}`, message }, { lastError: message, currentOperationId: null }));
          return;
        }
        if (failure.type === FailureType.ReadyButNotNotified) resumeAfterReady = failure.details[0] as ResumeAfterReady | undefined;
        if (!(await askOperator(request, failure.message, resumeAfterReady))) return;
      }
    }
  }

  /** Park in `attention` until an operator decides. true: run the operation again. */
  async function askOperator(request: OperationRequest, error: string, resumeAfterReady: ResumeAfterReady | undefined): Promise<boolean> {
    // Cleared before the first await: an operator who answers while the attention record is
    // still being written must not be forgotten.
    operatorChoice = undefined;
    state.enterAttention(error, new Date().toISOString());
    showInUi(request.type);
    await records.recordTransition(record(request, 'running', { kind: 'instance.attention', message: error }, { lastError: error }));
    await condition(() => operatorChoice !== undefined);
    const choice = operatorChoice!;
    if (choice === 'retry') {
      state.resumeFromAttention();
      showInUi(request.type);
      await records.recordTransition(record(request, 'running', { kind: 'operator.retry', message: `operator asked to retry ${request.type}` }));
      return true;
    }
    const message = `${choice === 'skip' ? 'skipped' : 'aborted'} by an operator after: ${error}`;
    // Skipping the notices of a provision whose VPS is up leaves a running instance, not a failed one.
    const skippedNotices = choice === 'skip' && resumeAfterReady !== undefined;
    state.finish({ status: skippedNotices ? 'running' : state.statusAfterGivingUp(), error: message, ...(skippedNotices ? { resources: resumeAfterReady.resources } : {}) });
    if (choice === 'abort' && !state.queue.some((q) => q.type === 'terminate')) {
      // Numbered after the aborted operation, so its child id cannot collide with one the API hands out.
      state.pushFront({ operationId: uuid4(), type: 'terminate', seq: request.seq, args: { reason: 'operator abort' }, requestedBy: 'operator:abort' });
    }
    showInUi('');
    await records.recordTransition(
      record(request, 'failed', { kind: `operator.${choice}`, message }, { lastError: message, currentOperationId: null, ...(skippedNotices ? { resources: state.resources } : {}) }),
    );
    return false;
  }

  const continueAsNewDue = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfterOperations !== undefined && startedOperations >= input.continueAsNewAfterOperations);

  setCurrentDetails(describe());
  while (state.status !== 'terminated') {
    await condition(() => state.queue.length > 0 || toRecord.length > 0 || continueAsNewDue());
    await flushRecords();
    if (continueAsNewDue()) {
      await condition(allHandlersFinished);
      await flushRecords();
      return continueAsNew<typeof instanceWorkflow>({ ...input, carried: state.carry() });
    }
    const request = state.next();
    if (request) await runOperation(request);
  }

  // Terminated: whatever is still queued can never run. Refuse it, then finish.
  await condition(allHandlersFinished);
  for (let request = state.next(); request; request = state.next()) {
    toRecord.push(record(request, 'rejected', { kind: 'operation.rejected', message: 'the instance is terminated' }));
  }
  await flushRecords();
  return state.view();
}
