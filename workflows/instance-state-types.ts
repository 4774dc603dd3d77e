// The answers InstanceState gives the workflow: what a request, a failure or an operator's choice did.
import type { OperationRequest, OperatorAction, Resources } from './domain';
import type { OperationStatus } from './statuses';

export interface Attention {
  request: OperationRequest;
  error: string;
  since: string;
}

export type OperatorChoice = 'retry' | 'skip' | 'abort';

/** How a failed attempt of the current operation ends: here, or in `attention` for an operator. */
export type Settlement =
  | { kind: 'ended'; operationStatus: OperationStatus; message: string }
  | { kind: 'attention'; message: string };

/** What an operator's answer to `attention` did: run the operation again, or end it. */
export type Resolution =
  | { kind: 'retry'; action: OperatorAction; message: string }
  | { kind: 'ended'; choice: 'skip' | 'abort'; action: OperatorAction; message: string; resources?: Resources; terminate?: OperationRequest };

export type EnqueueResult =
  | { kind: 'duplicate'; operationId: string }
  | { kind: 'queued'; dropped: OperationRequest[]; cancelProvision: boolean };
