// Driving instances through the API as a billing system does, and reading back what happened:
// the read model (API), the entity's `state` query, and what the sandbox providers hold.
import type { InstanceStateView } from '../../workflows/domain';
import { instanceFqdn, instanceWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/messages';
import { isFinalOperationStatus } from '../../workflows/statuses';
import { eventually, type Stack } from './stack';
import { mailsTo, recordsNamed, serversOf } from './world';

export interface Created {
  id: string;
  email: string;
  hostname: string;
  fqdn: string;
  provisionId: string;
}

export type OperationPath = 'suspend' | 'unsuspend' | 'reboot' | 'resize' | 'terminate';

/** Service ids unique across the files of one jest run (they share one database). */
let serviceSeq = Math.floor(Math.random() * 1_000_000) * 100 + 10_000_000;

export async function createInstance(stack: Stack, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Created> {
  const serviceId = ++serviceSeq;
  const body = {
    whmcs_service_id: serviceId,
    whmcs_client_id: 42,
    email: `owner-${serviceId}@example.com`,
    plan: 'starter',
    region: 'eu-frankfurt',
    hostname: `life-${serviceId}`,
    ...overrides,
  };
  const answer = await stack.call('POST', '/api/instances', body, headers);
  if (answer.status !== 202) throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return {
    id: answer.body.id,
    email: body.email,
    hostname: body.hostname,
    fqdn: instanceFqdn(body.hostname, stack.config.domain),
    provisionId: answer.body.operation.id,
  };
}

/** Ask for an operation as WHMCS does; answers the operation view (202) or throws. */
export async function requestOperation(stack: Stack, id: string, op: OperationPath, body?: Record<string, unknown>, key?: string): Promise<{ id: string; seq: number; status: string }> {
  const headers: Record<string, string> = key ? { 'Idempotency-Key': key } : {};
  const answer =
    op === 'terminate'
      ? await stack.call('DELETE', `/api/instances/${id}`, body, headers)
      : await stack.call('POST', `/api/instances/${id}/${op}`, body, headers);
  if (answer.status !== 202) throw new Error(`${op} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.operation;
}

export async function getInstance(stack: Stack, id: string) {
  const answer = await stack.call('GET', `/api/instances/${id}`);
  return answer.body;
}

export async function untilStatus(stack: Stack, id: string, status: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const instance = await getInstance(stack, id);
      return instance?.status === status && instance.current_operation === null ? instance : undefined;
    },
    { what: `instance ${id} to be ${status}`, timeoutMs },
  );
}

/** Wait until the operation has a final status, and answer its view. */
export async function untilOperationDone(stack: Stack, id: string, operationId: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const answer = await stack.call('GET', `/api/instances/${id}/operations/${operationId}`);
      return isFinalOperationStatus(answer.body?.status) ? answer.body : undefined;
    },
    { what: `operation ${operationId} to finish`, timeoutMs },
  );
}

export async function operationsOf(stack: Stack, id: string): Promise<{ id: string; type: string; seq: number; status: string; error: string | null; started_at: string | null; finished_at: string | null }[]> {
  return (await stack.call('GET', `/api/instances/${id}/operations`)).body.operations;
}

export function entityState(stack: Stack, id: string): Promise<InstanceStateView> {
  return stack.client.workflow.getHandle(instanceWorkflowId(id)).query(stateQuery);
}

export async function untilEntity(stack: Stack, id: string, check: (state: InstanceStateView) => boolean, what: string, timeoutMs = 30_000): Promise<InstanceStateView> {
  return eventually(
    async () => {
      const state = await entityState(stack, id);
      return check(state) ? state : undefined;
    },
    { what, timeoutMs },
  );
}

/** Mail subjects to one customer, in the order they were sent. */
export function mailSubjects(stack: Stack, created: Created): string[] {
  return mailsTo(stack.sandbox, created.email).map((m) => m.subject);
}

export function billingEvents(stack: Stack, id: string): string[] {
  return stack.billingCalls.filter((c) => c.body.instance_id === id).map((c) => String(c.body.event));
}

/** What is left of an instance at the providers. */
export function leftovers(stack: Stack, created: Created) {
  return { servers: serversOf(stack.sandbox, created.id).length, records: recordsNamed(stack.sandbox, created.fqdn).length };
}
