// What the sandbox providers hold, read the way the lifecycle tests ask about it.
import type { Sandbox } from '../../sandbox';

export interface WorldServer {
  id: number;
  name: string;
  status: string;
  labels: Record<string, string>;
  server_type: { name: string };
}
export interface WorldRecord {
  id: string;
  name: string;
  type: string;
  content: string;
}

export function serversOf(sandbox: Sandbox, instanceId: string): WorldServer[] {
  return (sandbox.state().servers as unknown as WorldServer[]).filter((s) => s.labels?.['hostflow-instance'] === instanceId);
}

export function recordsNamed(sandbox: Sandbox, name: string): WorldRecord[] {
  return (sandbox.state().dns_records as unknown as WorldRecord[]).filter((r) => r.name === name);
}

export function mailsTo(sandbox: Sandbox, address: string) {
  return sandbox.state().messages.filter((m) => m.to.includes(address));
}
