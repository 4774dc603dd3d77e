// What one instance's check is: its gateway's health URL, and, only when that says something is
// wrong, Hetzner's view of the server to say why. Hetzner allows 3600 requests an hour, so it is
// never read for an instance whose gateway answers.
import { instanceFqdn } from '../workflows/ids';
import type { ActivityDeps, FleetSettings } from './deps';
import { probeHealthUrl, type ProbeResult } from './fleet-health-probe';

/** An instance the sweep checks, as the read model knows it. */
export interface HealthTarget {
  instanceId: string;
  subdomain: string;
  ipAddress: string | null;
  serverId: number | null;
}

export interface HealthCheck extends ProbeResult {
  url: string;
}

type CheckDeps = Pick<ActivityDeps, 'domain'> & { fleet: Pick<FleetSettings, 'healthUrlTemplate' | 'checkTimeoutMs'> };

export function healthUrl(template: string, target: HealthTarget, domain: string): string {
  const values: Record<string, string> = {
    fqdn: instanceFqdn(target.subdomain, domain),
    subdomain: target.subdomain,
    ip: target.ipAddress ?? '',
    serverId: target.serverId === null ? '' : String(target.serverId),
    instanceId: target.instanceId,
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export async function checkGateway(deps: CheckDeps, target: HealthTarget): Promise<HealthCheck> {
  const url = healthUrl(deps.fleet.healthUrlTemplate, target, deps.domain);
  return { url, ...(await probeHealthUrl(url, deps.fleet.checkTimeoutMs)) };
}

/** "Hetzner: server 4711 off" / "… not found" / "… running"; never throws (a failed look-up is said, not fatal). */
export async function describeServer(deps: Pick<ActivityDeps, 'hetzner'>, serverId: number | null): Promise<string> {
  if (serverId === null) return 'Hetzner: no server recorded';
  try {
    const server = await deps.hetzner.getServer(serverId);
    return server ? `Hetzner: server ${serverId} ${server.status}` : `Hetzner: server ${serverId} not found`;
  } catch (error) {
    return `Hetzner: server ${serverId} not read (${error instanceof Error ? error.message : String(error)})`;
  }
}
