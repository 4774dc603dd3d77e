// Reading histories as the Temporal server stores them, for the payload-encryption tests: every
// payload, every byte, without the client's codec in the way.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export const TEST_KEY_A = Buffer.alloc(32, 0xa1).toString('base64');
export const TEST_KEY_B = Buffer.alloc(32, 0xb2).toString('base64');

/** Every history (each run of each workflow) in the client's namespace, as stored. */
export async function allHistories(client: Client): Promise<{ workflowId: string; history: temporal.api.history.v1.IHistory }[]> {
  const histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
  for await (const execution of client.workflow.list()) {
    histories.push({ workflowId: execution.workflowId, history: await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory() });
  }
  return histories;
}

type Payload = temporal.api.common.v1.IPayload;

/**
 * Payloads of a history, except search attributes (indexed, so never encoded), headers, and the
 * SDK core's own patch markers (a patch id such as "operation-revision-2", written below the codec).
 */
export function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const object = value as Record<string, unknown>;
  if (object.markerName === 'core_patch') return found;
  if (object.metadata && typeof object.metadata === 'object' && 'data' in object) {
    found.push(object as Payload);
    return found;
  }
  for (const [key, child] of Object.entries(object)) {
    if (key === 'searchAttributes' || key === 'header') continue;
    payloadsOf(child, found);
  }
  return found;
}

/** Every byte string and text of a history (payload data, failure messages, ids, all of it). */
export function readableText(value: unknown, texts: string[] = []): string[] {
  if (typeof value === 'string') texts.push(value);
  else if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('latin1'));
  else if (value && typeof value === 'object') for (const child of Object.values(value)) readableText(child, texts);
  return texts;
}

export const metadataText = (payload: Payload, key: string) => Buffer.from(payload.metadata?.[key] ?? []).toString('utf8');
