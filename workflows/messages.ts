// The entity workflow's signals and query: what the API, the VPS and operators send it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InstanceStateView, OperationRequest, OperatorAction, ReadyPayload } from './domain';

export const requestOperationSignal = defineSignal<[OperationRequest]>('requestOperation');
export const readySignal = defineSignal<[ReadyPayload]>('ready');
export const retrySignal = defineSignal<[OperatorAction]>('retry');
export const skipSignal = defineSignal<[OperatorAction]>('skip');
export const abortSignal = defineSignal<[OperatorAction]>('abort');
export const stateQuery = defineQuery<InstanceStateView>('state');
