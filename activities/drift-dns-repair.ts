// repairDnsRecord: the drift sweep's DNS repair. It asks Postgres again whether the instance is at
// rest with the address the finding expects, then upserts through dns.ts's ensureDnsRecord, the
// same code a provision uses (own records only; a stale one of ours is replaced). A second run
// finds the record right and changes nothing.
import type { DriftFinding } from '../workflows/fleet-types';
import type { InstanceSpec } from '../workflows/domain';
import { instanceFqdn } from '../workflows/ids';
import type { ActivityDeps } from './deps';
import { createDnsActivities } from './dns';
import { isOwnedBy } from './dns-ownership';
import { instanceNow, malformed, type InstanceNow } from './drift-recheck';
import { callProvider } from './errors';

export type DnsRepairDeps = Pick<ActivityDeps, 'db' | 'dns' | 'domain'>;

const REPAIRABLE_STATES = ['running', 'suspended'];

export async function repairDnsRecord(deps: DnsRepairDeps, finding: DriftFinding): Promise<string> {
  if (finding.kind !== 'dns_missing' && finding.kind !== 'dns_mismatch') throw malformed(finding, 'DNS drift kind');
  if (!finding.instanceId || !finding.expected) throw malformed(finding, 'instance id or expected address');
  const instance = await instanceNow(deps.db, finding.instanceId);
  if (!instance) return `${finding.key}: not repaired, the instance no longer exists`;
  const refusal = whyNotNow(instance, finding.expected);
  if (refusal !== undefined) return `${finding.key}: not repaired, ${refusal}`;
  const fqdn = instanceFqdn(instance.subdomain, deps.domain);
  const records = await callProvider(`read the DNS records of ${fqdn} (instance ${instance.id})`, () => deps.dns.findRecords(fqdn, 'A'));
  const own = records.filter((r) => isOwnedBy(r, instance.id));
  if (own.length > 0 && own.every((r) => r.content === finding.expected)) {
    return `${fqdn} already points at ${finding.expected} (record ${own.map((r) => r.id).join(', ')}): nothing changed`;
  }
  const { dnsRecordId } = await createDnsActivities(deps).ensureDnsRecord({ instance: specOf(instance), ipAddress: finding.expected });
  return `${fqdn} → ${finding.expected}: record ${dnsRecordId} upserted (was ${finding.found ?? 'missing'})`;
}

/** Why the finding no longer stands: the instance moved on since the sweep saw it. */
function whyNotNow(instance: InstanceNow, expected: string): string | undefined {
  if (!REPAIRABLE_STATES.includes(instance.status)) return `the instance is ${instance.status} now`;
  if (instance.currentOperationId !== null) return `operation ${instance.currentOperationId} is running on the instance`;
  if (instance.ipAddress !== expected) return `the instance's address is ${instance.ipAddress ?? 'none'} now, not ${expected}`;
  return undefined;
}

/** What ensureDnsRecord reads of an instance (its id and subdomain); the rest is filled in as the read model has it. */
function specOf(instance: InstanceNow): InstanceSpec {
  const customerId = instance.billingCustomer ?? (instance.whmcsClientId !== null ? String(instance.whmcsClientId) : '');
  return { instanceId: instance.id, customerId, serviceId: instance.billingRef ?? '', plan: instance.plan, region: instance.region, subdomain: instance.subdomain, sshKeys: [] };
}
