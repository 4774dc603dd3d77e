// What an operation's success writes to the read model: one TransitionRecord, built from the
// child's outcome. The entity wrote it after the child until revision 4; from revision 5 the
// child's last activity (the customer and billing notices, server-steps.ts) carries it and writes
// it once its notices are out, and the entity writes it only when that activity did not say it did.
import type { OperationOutcome, OperationRequest } from './domain';
import { operationWorkflowId } from './ids';
import type { TransitionRecord } from './transition-record';

/** What the operator reads in the audit log when an operation succeeded. */
function succeededMessage(type: OperationRequest['type'], outcome: OperationOutcome): string {
  if (outcome.noop) return `${type}: nothing to do, ${outcome.noop}`;
  const where = outcome.fellBackFrom ? ` in ${outcome.resources.location} (${outcome.fellBackFrom} had no capacity)` : '';
  return `${type} succeeded${where}`;
}

/** The success record of `request` on instance `instanceId`, under event key `key`. */
export function succeededRecord(instanceId: string, request: OperationRequest, outcome: OperationOutcome, key: string): TransitionRecord {
  return {
    instanceId,
    status: outcome.status,
    operations: [{ request, status: 'succeeded', workflowId: operationWorkflowId(instanceId, request.type, request.seq) }],
    event: { key, kind: 'operation.succeeded', message: succeededMessage(request.type, outcome) },
    plan: outcome.plan,
    resources: outcome.resources,
    currentOperationId: null,
    lastError: null,
    ...(outcome.ready?.openclawVersion !== undefined ? { openclawVersion: outcome.ready.openclawVersion } : {}),
    ...(outcome.snapshots ? { snapshots: outcome.snapshots } : {}),
  };
}
