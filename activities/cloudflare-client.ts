// The one place that talks to Cloudflare DNS, through the official `cloudflare` package.
// Its own retries are off (maxRetries: 0): Temporal alone decides when to try again.
import Cloudflare, { APIError } from 'cloudflare';
import { ProviderError } from './errors';

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  /** Hostflow marks the records it creates here (dns-ownership.ts). */
  comment: string | null;
  /** ISO time Cloudflare created it (the drift sweep's orphan grace counts from here). */
  createdOn: string | null;
}

/** The fields Hostflow keeps of what the SDK returns. */
interface SdkRecord {
  id: string;
  name: string;
  type: string;
  content?: string;
  comment?: string | null;
  created_on?: string;
}

const toDnsRecord = (record: SdkRecord): DnsRecord => ({
  id: record.id,
  name: record.name,
  type: record.type,
  content: record.content ?? '',
  comment: record.comment ?? null,
  createdOn: record.created_on ?? null,
});

/** Records per list page when the whole zone's marked records are read (the drift sweep). */
const ZONE_PAGE_SIZE = 500;

/** Cloudflare's "an identical record already exists". */
export const RECORD_ALREADY_EXISTS = 81058;

export function toCloudflareError(error: unknown): ProviderError {
  if (error instanceof APIError) {
    const first = error.errors?.[0];
    const code = first?.code !== undefined ? String(first.code) : `http_${error.status ?? 'network'}`;
    const retryAfter = Number(error.headers?.get?.('retry-after'));
    const retryAfterMs = error.status === 429 ? (Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : 1000) : undefined;
    return new ProviderError('Cloudflare', error.status, code, first?.message ?? error.message, retryAfterMs);
  }
  const e = error as { message?: string };
  return new ProviderError('Cloudflare', undefined, 'network_error', e?.message ?? String(error));
}

export class CloudflareDns {
  private readonly client: Cloudflare;

  constructor(private readonly options: { token: string; zoneId: string; url: string; timeoutMs?: number }) {
    this.client = new Cloudflare({ apiToken: options.token, baseURL: options.url, maxRetries: 0, timeout: options.timeoutMs ?? 15_000 });
  }

  /** Every record with exactly this name, of one type or (no type) of all types. */
  async findRecords(name: string, type?: 'A' | 'AAAA'): Promise<DnsRecord[]> {
    try {
      const records: DnsRecord[] = [];
      const query = { zone_id: this.options.zoneId, name: { exact: name }, ...(type ? { type } : {}) };
      for await (const record of this.client.dns.records.list(query)) records.push(toDnsRecord(record));
      return records;
    } catch (error) {
      throw toCloudflareError(error);
    }
  }

  /** Every record of the zone whose comment starts with `prefix` (Cloudflare filters case-insensitively), all pages. */
  async findRecordsByComment(prefix: string): Promise<DnsRecord[]> {
    try {
      const records: DnsRecord[] = [];
      const query = { zone_id: this.options.zoneId, comment: { startswith: prefix }, per_page: ZONE_PAGE_SIZE };
      for await (const record of this.client.dns.records.list(query)) records.push(toDnsRecord(record));
      return records;
    } catch (error) {
      throw toCloudflareError(error);
    }
  }

  /** null when the record does not exist (deleted, or never created). */
  async getRecord(id: string): Promise<DnsRecord | null> {
    try {
      return toDnsRecord(await this.client.dns.records.get(id, { zone_id: this.options.zoneId }));
    } catch (error) {
      const classified = toCloudflareError(error);
      if (classified.status === 404 || classified.code === '81044') return null;
      throw classified;
    }
  }

  async createARecord(name: string, ip: string, comment: string): Promise<DnsRecord> {
    try {
      const record = await this.client.dns.records.create({ zone_id: this.options.zoneId, type: 'A', name, content: ip, ttl: 60, proxied: false, comment });
      return toDnsRecord({ ...record, content: record.content ?? ip, comment: record.comment ?? comment });
    } catch (error) {
      throw toCloudflareError(error);
    }
  }

  /** false when the record was already gone. */
  async deleteRecord(id: string): Promise<boolean> {
    try {
      await this.client.dns.records.delete(id, { zone_id: this.options.zoneId });
      return true;
    } catch (error) {
      const classified = toCloudflareError(error);
      if (classified.status === 404 || classified.code === '81044') return false;
      throw classified;
    }
  }
}
