// Runs each operation as a child workflow of the entity (`instance-<id>/<op>-<n>`), so the Web UI
// shows every step of every operation; a running provision can be cancelled by a terminate.
import { CancellationScope, ChildWorkflowCancellationType, executeChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { OperationInput, OperationOutcome, OperationRequest } from './domain';
import { operationWorkflowId } from './ids';
import type { InstanceState } from './instance-state';
import { provisionWorkflow } from './provision-workflow';
import { instanceSearchAttributes } from './search-attributes';
import { deleteSnapshotWorkflow, rebuildWorkflow, resetPasswordWorkflow, snapshotWorkflow } from './server-care';
import { rebootWorkflow, resizeWorkflow, suspendWorkflow, unsuspendWorkflow } from './server-operations';
import type { OperationType } from './statuses';
import { operationSummary } from './summaries';
import { terminateWorkflow } from './terminate-workflow';
import type { TransitionRecord } from './transition-record';

const OPERATION_WORKFLOWS: Record<OperationType, (input: OperationInput) => Promise<OperationOutcome>> = {
  provision: provisionWorkflow,
  suspend: suspendWorkflow,
  unsuspend: unsuspendWorkflow,
  resize: resizeWorkflow,
  reboot: rebootWorkflow,
  terminate: terminateWorkflow,
  rebuild: rebuildWorkflow,
  reset_password: resetPasswordWorkflow,
  snapshot: snapshotWorkflow,
  delete_snapshot: deleteSnapshotWorkflow,
};

export class OperationChildren {
  private provisionScope: CancellationScope | undefined;

  constructor(private readonly state: InstanceState) {}

  /** Run the current operation's child to its end; `revision` is the children's (revisions.ts),
   * `started` the "operation started" record its first activity writes (revision 4). */
  run(request: OperationRequest, revision: number | undefined, started?: TransitionRecord): Promise<OperationOutcome> {
    const child = () => this.execute(request, revision, started);
    if (request.type !== 'provision') return child();
    const scope = (this.provisionScope = new CancellationScope());
    return scope.run(child).finally(() => {
      this.provisionScope = undefined;
    });
  }

  /** A terminate arrived while a provision runs: it rolls back, then the terminate runs. */
  cancelProvision(): void {
    this.provisionScope?.cancel();
  }

  private execute(request: OperationRequest, revision: number | undefined, started: TransitionRecord | undefined): Promise<OperationOutcome> {
    const { state } = this;
    const instance = { ...state.instance, plan: state.plan };
    const { resumeAfterReady } = state;
    return executeChild(OPERATION_WORKFLOWS[request.type], {
      workflowId: operationWorkflowId(instance.instanceId, request.type, request.seq),
      args: [
        {
          instance,
          operation: request,
          resources: state.resources,
          fromStatus: state.current!.fromStatus,
          timings: state.timings,
          ...(resumeAfterReady ? { resumeAfterReady } : {}),
          ...(revision ? { revision } : {}),
          ...(started ? { started } : {}),
        },
      ],
      staticSummary: operationSummary(request.type, instance, request.args.plan),
      // A retry after `attention` starts the same child id again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // Wait for a cancelled provision to finish its rollback before terminate starts.
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      typedSearchAttributes: instanceSearchAttributes(instance, state.status, request.type),
    });
  }
}
