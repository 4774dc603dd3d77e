// Reading workflow histories back through the client, as an operator's Web UI does.
import type { Client } from '@temporalio/client';
import { readableText } from './encrypted-histories';

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
  return readableText(await client.workflow.getHandle(workflowId).fetchHistory()).join('\n');
}
