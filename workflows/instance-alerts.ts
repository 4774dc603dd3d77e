// The alerts an entity raises about its own lifecycle (the monitors' are in monitoring.ts): an
// operation stopped for an operator, the operator's answer, a provision that failed. Built here,
// raised through alerts.ts; one per episode, keyed by when the episode began.
import type { Alert } from './fleet-types';
import type { InstanceSpec, OperationRequest } from './domain';

type Instance = Pick<InstanceSpec, 'instanceId' | 'subdomain'>;

const attentionKey = (instance: Instance, since: string): string => `attention:${instance.instanceId}:${since}`;

export function attentionAlert(instance: Instance, request: OperationRequest, error: string, since: string): Alert {
  return {
    key: attentionKey(instance, since),
    kind: 'attention',
    severity: 'critical',
    title: `${instance.subdomain} needs an operator: ${request.type}-${request.seq} failed: ${error}`,
    instanceId: instance.instanceId,
    subdomain: instance.subdomain,
    details: { operation: `${request.type}-${request.seq}`, operation_id: request.operationId, requested_by: request.requestedBy, error, runbook: 'README, "Instance in attention"' },
    at: since,
  };
}

export function attentionResolvedAlert(instance: Instance, request: OperationRequest, since: string, resolution: string, at: string): Alert {
  return {
    key: `${attentionKey(instance, since)}:resolved`,
    kind: 'attention',
    severity: 'resolved',
    title: `${instance.subdomain}: ${resolution}`,
    instanceId: instance.instanceId,
    subdomain: instance.subdomain,
    details: { operation: `${request.type}-${request.seq}`, operation_id: request.operationId },
    at,
  };
}

export function provisionFailedAlert(instance: Instance, request: OperationRequest, message: string, at: string): Alert {
  return {
    key: `provision-failed:${instance.instanceId}:${request.operationId}`,
    kind: 'provision_failed',
    severity: 'critical',
    title: `provision of ${instance.subdomain} failed: ${message}`,
    instanceId: instance.instanceId,
    subdomain: instance.subdomain,
    details: { operation_id: request.operationId, error: message },
    at,
  };
}
