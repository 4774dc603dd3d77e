// Operator alerts: each is its own small workflow (`alert-<key>`), started and left to run, so a
// receiver that is down for hours delays nothing but the alert, and a second start with the same
// key — the same episode, raised twice — is refused by Temporal: the deduplication.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { activitiesFor } from './activity-proxies';
import type { Alert } from './fleet-types';
import { alertWorkflowId } from './ids';

/** Deliver one alert, retrying for up to a day (its run timeout). */
export async function alertWorkflow(alert: Alert): Promise<string> {
  const { alertDelivery } = activitiesFor(undefined);
  return alertDelivery.deliverAlert.executeWithOptions({ summary: `${alert.severity}: ${alert.title}` }, [alert]);
}

/** Start the alert's workflow and go on; already raised (same key): nothing to do. */
export async function raiseAlert(alert: Alert): Promise<void> {
  try {
    await startChild(alertWorkflow, {
      workflowId: alertWorkflowId(alert.key),
      args: [alert],
      // The alert outlives whoever raised it: an entity that continues as new, a sweep that ends.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowRunTimeout: '1 day',
      staticSummary: `${alert.severity} alert: ${alert.title}`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
