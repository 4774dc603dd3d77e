// DNS activities: one A record `<subdomain>.<domain>` per instance, marked as the instance's own
// (dns-ownership.ts) and found by exact name before anything is created, so a retried or
// duplicated attempt never adds a second record. Only records marked for this instance are ever
// changed or deleted: a name that already has anyone else's record fails the provision, untouched.
// They talk to Cloudflare only; the workflow records the record id (records.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../workflows/failures';
import type { InstanceSpec } from '../workflows/domain';
import { instanceFqdn } from '../workflows/ids';
import { RECORD_ALREADY_EXISTS, type DnsRecord } from './cloudflare-client';
import type { ActivityDeps } from './deps';
import { isOwnedBy, ownershipComment } from './dns-ownership';
import { classify, ProviderError } from './errors';

export type DnsDeps = Pick<ActivityDeps, 'dns' | 'domain'>;

/** Any record of the name not marked for this instance (of any type: a TXT or AAAA means the name is in use). */
function refuseForeignRecords(records: DnsRecord[], name: string, instanceId: string): void {
  const foreign = records.filter((r) => !isOwnedBy(r, instanceId));
  if (foreign.length === 0) return;
  throw ApplicationFailure.create({
    type: FailureType.DnsNameTaken,
    nonRetryable: true,
    message:
      `${name} already has DNS records Hostflow did not create for instance ${instanceId}: ` +
      `${foreign.map((r) => `${r.type} ${r.content} (record ${r.id})`).join(', ')}. They are left untouched; ` +
      'remove them in Cloudflare if they are stale, or order the instance under another hostname.',
    details: [{ name, foreignRecordIds: foreign.map((r) => r.id) }],
  });
}

export function createDnsActivities(deps: DnsDeps) {
  const fqdn = (instance: InstanceSpec) => instanceFqdn(instance.subdomain, deps.domain);

  return {
    async ensureDnsRecord(input: { instance: InstanceSpec; ipAddress: string }): Promise<{ dnsRecordId: string }> {
      const name = fqdn(input.instance);
      const { instanceId } = input.instance;
      const what = `create DNS record ${name} → ${input.ipAddress} for instance ${instanceId}`;
      try {
        const existing = await deps.dns.findRecords(name);
        refuseForeignRecords(existing, name, instanceId);
        const own = existing.filter((r) => r.type === 'A');
        let record = own.find((r) => r.content === input.ipAddress);
        // One of ours pointing elsewhere is left from an earlier server of this instance: replace it.
        for (const stale of own.filter((r) => r !== record)) await deps.dns.deleteRecord(stale.id);
        if (!record) {
          try {
            record = await deps.dns.createARecord(name, input.ipAddress, ownershipComment(instanceId));
          } catch (error) {
            // 81058: an identical record exists — an earlier attempt created it and lost the answer,
            // or someone else just made one; only the first is ours to use.
            if (!(error instanceof ProviderError && error.code === String(RECORD_ALREADY_EXISTS))) throw error;
            const again = await deps.dns.findRecords(name);
            refuseForeignRecords(again, name, instanceId);
            record = again.find((r) => r.type === 'A' && r.content === input.ipAddress);
            if (!record) throw error;
          }
        }
        return { dnsRecordId: record.id };
      } catch (error) {
        throw classify(error, what);
      }
    },

    /**
     * Remove the instance's own A records; a missing record is already done. Records of the same
     * name that Hostflow did not create for this instance stay, and are named in `kept` (the
     * operator sees them in the activity's result).
     */
    async deleteDnsRecord(input: { instance: InstanceSpec }): Promise<{ deleted: string[]; kept?: string[] }> {
      const name = fqdn(input.instance);
      const { instanceId } = input.instance;
      try {
        const records = await deps.dns.findRecords(name);
        const deleted: string[] = [];
        const kept: string[] = [];
        for (const record of records) {
          if (record.type !== 'A' || !isOwnedBy(record, instanceId)) kept.push(record.id);
          else if (await deps.dns.deleteRecord(record.id)) deleted.push(record.id);
        }
        return { deleted, ...(kept.length > 0 ? { kept } : {}) };
      } catch (error) {
        throw classify(error, `delete DNS record ${name} of instance ${instanceId}`);
      }
    },
  };
}
