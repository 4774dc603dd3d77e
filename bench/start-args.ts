// The entity workflow's input and provision request for a bench create body, built the way the
// API builds them but with a fresh id each time and no read model: what the bare signalWithStart
// and the HTTP-hop stand-in send, so both carry the same payload as each other.
import { randomUUID } from 'node:crypto';
import type { InstanceWorkflowInput, OperationRequest } from '../workflows/domain';

export interface BenchCreateBody {
  whmcs_service_id: number;
  whmcs_client_id: number;
  plan: string;
  region: string;
  hostname: string;
}

export function startArgs(body: BenchCreateBody): { input: InstanceWorkflowInput; provision: OperationRequest } {
  const instanceId = randomUUID();
  return {
    input: {
      instance: { instanceId, customerId: String(body.whmcs_client_id), serviceId: String(body.whmcs_service_id), plan: body.plan, region: body.region, subdomain: body.hostname, sshKeys: [] },
      readyTimeoutMs: 900_000,
    },
    provision: { operationId: randomUUID(), type: 'provision', seq: 1, args: {}, idempotencyKey: 'provision', requestedBy: 'api-key:bench' },
  };
}
