// Record checks Cloudflare makes on create/update, with its error codes.

import { isIPv4, isIPv6 } from 'node:net';
import { cfError } from './envelope';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA', 'SRV', 'PTR', 'HTTPS', 'SVCB']);
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
// The sandbox zone is on the Free plan, as most are: comments up to 100 characters, no tags.
// (Pro: 100 and none; Business and Enterprise: 500 and tags.) Hostflow relies on the comment only.
const MAX_COMMENT_LENGTH = 100;
const TAG_QUOTA = 0;

export interface RecordInput {
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  priority?: number;
  comment: string | null;
  tags: string[];
}

/** Cloudflare stores full names: 'www' and 'www.zone.' both become 'www.zone'; '@' is the apex. */
export function normalizeName(name: string, zone: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === '') return zone;
  if (n === zone || n.endsWith(`.${zone}`)) return n;
  return `${n}.${zone}`;
}

export function isProxiable(type: string): boolean {
  return PROXIABLE.has(type);
}

export function checkRecord(body: Record<string, unknown>, zone: string): RecordInput {
  const type = body['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) throw cfError(400, 9000, 'DNS record type is invalid.');
  const name = body['name'];
  if (typeof name !== 'string' || name.trim() === '') throw cfError(400, 9007, 'DNS record name is required.');
  const content = body['content'];
  if (typeof content !== 'string' || content === '') throw cfError(400, 9005, 'DNS record content is required.');
  if (type === 'A' && !isIPv4(content)) throw cfError(400, 9005, 'Content for A record must be a valid IPv4 address.');
  if (type === 'AAAA' && !isIPv6(content)) throw cfError(400, 9006, 'Content for AAAA record must be a valid IPv6 address.');
  const ttl = body['ttl'] ?? 1;
  if (typeof ttl !== 'number' || !(ttl === 1 || (Number.isInteger(ttl) && ttl >= 30 && ttl <= 86400))) {
    throw cfError(400, 9021, 'Invalid TTL. Must be between 30 and 86400 seconds, or 1 for Automatic.');
  }
  const proxied = body['proxied'] ?? false;
  if (typeof proxied !== 'boolean') throw cfError(400, 9003, "Invalid 'proxied' value, must be a boolean.");
  if (proxied && !PROXIABLE.has(type)) throw cfError(400, 9004, 'This record type cannot be proxied.');
  const comment = typeof body['comment'] === 'string' ? body['comment'] : null;
  if (comment !== null && comment.length > MAX_COMMENT_LENGTH) {
    throw cfError(400, 9313, `DNS record comment exceeds the maximum length of ${MAX_COMMENT_LENGTH} characters.`);
  }
  const tags = Array.isArray(body['tags']) ? body['tags'].map(String) : [];
  if (tags.length > TAG_QUOTA) {
    throw cfError(400, 1004, 'DNS Validation Error', [{ code: 9300, message: `DNS record has ${tags.length} tags, exceeding the quota of ${TAG_QUOTA}.` }]);
  }
  const priority = typeof body['priority'] === 'number' ? body['priority'] : undefined;
  return { type, name: normalizeName(name, zone), content, ttl, proxied, comment, tags, ...(priority !== undefined ? { priority } : {}) };
}
