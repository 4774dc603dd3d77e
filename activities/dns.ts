// DNS activities: one A record `<subdomain>.<domain>` per instance, found by exact name before
// anything is created, so a retried or duplicated attempt never adds a second record. They talk to
// Cloudflare only; the workflow records the record id (records.ts).
import type { InstanceSpec } from '../workflows/domain';
import { instanceFqdn } from '../workflows/ids';
import { RECORD_ALREADY_EXISTS } from './cloudflare-client';
import type { ActivityDeps } from './deps';
import { classify, ProviderError } from './errors';

export type DnsDeps = Pick<ActivityDeps, 'dns' | 'domain'>;

export function createDnsActivities(deps: DnsDeps) {
  const fqdn = (instance: InstanceSpec) => instanceFqdn(instance.subdomain, deps.domain);

  return {
    async ensureDnsRecord(input: { instance: InstanceSpec; ipAddress: string }): Promise<{ dnsRecordId: string }> {
      const name = fqdn(input.instance);
      const what = `create DNS record ${name} → ${input.ipAddress} for instance ${input.instance.instanceId}`;
      try {
        const existing = await deps.dns.findRecords(name, 'A');
        let record = existing.find((r) => r.content === input.ipAddress);
        // A record pointing elsewhere is left from an earlier server of this instance: replace it.
        for (const stale of existing.filter((r) => r !== record)) await deps.dns.deleteRecord(stale.id);
        if (!record) {
          try {
            record = await deps.dns.createARecord(name, input.ipAddress, `hostflow instance ${input.instance.instanceId}`);
          } catch (error) {
            // 81058: an identical record exists — an earlier attempt created it and lost the answer.
            if (!(error instanceof ProviderError && error.code === String(RECORD_ALREADY_EXISTS))) throw error;
            record = (await deps.dns.findRecords(name, 'A')).find((r) => r.content === input.ipAddress);
            if (!record) throw error;
          }
        }
        return { dnsRecordId: record.id };
      } catch (error) {
        throw classify(error, what);
      }
    },

    /** Remove every A record of the instance's name; a missing record is already done. */
    async deleteDnsRecord(input: { instance: InstanceSpec }): Promise<{ deleted: string[] }> {
      const name = fqdn(input.instance);
      try {
        const records = await deps.dns.findRecords(name, 'A');
        const deleted: string[] = [];
        for (const record of records) if (await deps.dns.deleteRecord(record.id)) deleted.push(record.id);
        return { deleted };
      } catch (error) {
        throw classify(error, `delete DNS record ${name} of instance ${input.instance.instanceId}`);
      }
    },
  };
}
