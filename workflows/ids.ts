// How Hostflow names things outside itself: the task queue, workflow ids, the server's name at
// Hetzner and the instance's DNS name. Written once; the API, the activities and the workflows
// all read them from here.
import type { InstanceSpec } from './domain';
import type { OperationType } from './statuses';

export const DEFAULT_TASK_QUEUE = 'hostflow';
export const INSTANCE_WORKFLOW_TYPE = 'instanceWorkflow';

export const instanceWorkflowId = (instanceId: string): string => `instance-${instanceId}`;
export const operationWorkflowId = (instanceId: string, type: OperationType, seq: number): string =>
  `instance-${instanceId}/${type}-${seq}`;
/** Provision is always the instance's first operation, so its child id is known to the API. */
export const provisionWorkflowId = (instanceId: string): string => operationWorkflowId(instanceId, 'provision', 1);

/** The server's name at Hetzner (and the label operators see in summaries). */
export const serverName = (instance: Pick<InstanceSpec, 'subdomain'>): string => `hostflow-${instance.subdomain}`;
/** `<subdomain>.<domain>`: the instance's DNS name. */
export const instanceFqdn = (subdomain: string, domain: string): string => `${subdomain}.${domain}`;
/** What the customer opens in a browser. */
export const instanceUrl = (subdomain: string, domain: string): string => `https://${instanceFqdn(subdomain, domain)}`;

/** The fleet sweeps' schedules and the workflow ids their runs get (the schedule adds a timestamp). */
export const HEALTH_SWEEP_SCHEDULE_ID = 'hostflow-health-sweep';
export const DRIFT_SWEEP_SCHEDULE_ID = 'hostflow-drift-sweep';
export const HEALTH_SWEEP_WORKFLOW_ID = 'health-sweep';
export const DRIFT_SWEEP_WORKFLOW_ID = 'drift-sweep';
/** One alert workflow per alert key: a second start with the same key is the deduplication. */
export const alertWorkflowId = (key: string): string => `alert-${key}`;
