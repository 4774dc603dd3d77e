// The entity workflow's signals and query: what the API, the VPS and operators send it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BillingEvent, GraceChange } from './billing-types';
import type { InstanceStateView, OperationRequest, OperatorAction, ReadyPayload, VmFailure } from './domain';
import type { DriftNotice, HealthChange } from './fleet-types';

export const requestOperationSignal = defineSignal<[OperationRequest]>('requestOperation');
export const readySignal = defineSignal<[ReadyPayload]>('ready');
/** The VPS's install failed (cloud-init's `failed` callback): the provision or rebuild fails at once. */
export const vmFailedSignal = defineSignal<[VmFailure]>('vmFailed');
export const retrySignal = defineSignal<[OperatorAction]>('retry');
export const skipSignal = defineSignal<[OperatorAction]>('skip');
export const abortSignal = defineSignal<[OperatorAction]>('abort');
export const stateQuery = defineQuery<InstanceStateView>('state');
/** A verified billing event (API, from WHMCS, Paddle or Stripe webhooks), in order per subscription. */
export const billingEventSignal = defineSignal<[BillingEvent]>('billingEvent');
/** An operator extends or cancels the running grace period (runbook, "Dunning"). */
export const changeGraceSignal = defineSignal<[GraceChange]>('changeGrace');
/** The health monitor (fleet sweep): the instance's health changed (workflows/fleet-types.ts). */
export const healthChangedSignal = defineSignal<[HealthChange]>('healthChanged');
/** The drift sweep: the instance's server vanished or is off, and Hostflow did not do it. */
export const driftFoundSignal = defineSignal<[DriftNotice]>('driftFound');
