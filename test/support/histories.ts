// Reading workflow histories back through the client, as an operator's Web UI does.
import type { Client } from '@temporalio/client';

export async function historyJson(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(history);
}

/** Every workflow of one instance (the entity and its operation children), by search attribute. */
export async function instanceWorkflowIds(client: Client, instanceId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: `InstanceId = "${instanceId}"` })) ids.push(execution.workflowId);
  return ids;
}

/** Every payload of a workflow's history as text (payload data is bytes, which JSON would show as
 * numbers): what a secret scan must search, since a plain JSON dump could never contain it. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    else if (typeof value === 'string') parts.push(value);
  };
  walk(history);
  return parts.join('\n');
}
