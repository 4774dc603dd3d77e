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

export interface ServerCensus {
  /** Every server id ever seen for the instance: sampled from the server list, and from the VM callbacks (which name the instance in their URL). */
  seen(instanceId: string): Set<number>;
  /** The most servers the instance had at one sample. */
  mostAtOnce(instanceId: string): number;
  stop(): void;
}

/** Sample the sandbox's servers until stopped, to prove no instance ever had two. */
export function serverCensus(sandbox: Sandbox, intervalMs = 100): ServerCensus {
  const seen = new Map<string, Set<number>>();
  const most = new Map<string, number>();
  const ids = (instanceId: string) => seen.get(instanceId) ?? seen.set(instanceId, new Set()).get(instanceId)!;
  const sample = () => {
    const state = sandbox.state();
    const now = new Map<string, number>();
    for (const server of state.servers as unknown as WorldServer[]) {
      const instanceId = server.labels?.['hostflow-instance'];
      if (!instanceId) continue;
      ids(instanceId).add(server.id);
      now.set(instanceId, (now.get(instanceId) ?? 0) + 1);
    }
    for (const [instanceId, count] of now) most.set(instanceId, Math.max(most.get(instanceId) ?? 0, count));
    for (const callback of state.callbacks) {
      const instanceId = /\/api\/instances\/([^/]+)\/ready$/.exec(callback.url)?.[1];
      if (instanceId) ids(instanceId).add(callback.server_id);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    seen: (instanceId) => new Set(ids(instanceId)),
    mostAtOnce: (instanceId) => most.get(instanceId) ?? 0,
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}
