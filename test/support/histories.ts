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
