// API_TRUST_PROXY: which hops may tell the API a client's address in X-Forwarded-For. A setting
// that trusts (nearly) every address lets any caller pick its own IP and escape the per-IP limit
// on ready callbacks, so such values are refused rather than quietly accepted.
import { isIP } from 'node:net';

const KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
// Wider than this is not "our proxies": a /7 IPv4 is 33 million addresses, ::/0 is everyone.
const NARROWEST_REFUSED = { 4: 7, 6: 15 } as const;

/** IPv6 private ranges wider than /16 are still private: unique local fc00::/7, link-local fe80::/10. */
function isPrivateV6Subnet(address: string, bits: number): boolean {
  const first = address.startsWith('::') ? 0 : Number.parseInt(address.split(':')[0] ?? '', 16);
  return ((first & 0xfe00) === 0xfc00 && bits >= 7) || ((first & 0xffc0) === 0xfe80 && bits >= 10);
}

/** Bits set in a dotted netmask (255.255.0.0 → 16); undefined when it is not a netmask. */
function netmaskBits(mask: string): number | undefined {
  if (isIP(mask) !== 4) return undefined;
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/** Why one comma-separated entry is refused, or undefined when it is a fine proxy address/subnet. */
export function trustProxyEntryProblem(entry: string): string | undefined {
  if (KEYWORDS.has(entry)) return undefined;
  const [address = '', prefix, ...extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra.length > 0) return `"${entry}" is not an address, a subnet or loopback/linklocal/uniquelocal`;
  if (prefix === undefined) return undefined;
  let bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : family === 4 ? netmaskBits(prefix) : undefined;
  if (bits === undefined || bits > (family === 4 ? 32 : 128)) return `"${entry}" has an invalid prefix length or netmask`;
  // ::ffff:0:0/96 is every IPv4 address, written as IPv6.
  const mappedV4 = family === 6 && /^::ffff:/i.test(address);
  if (mappedV4) bits -= 96;
  const widest = NARROWEST_REFUSED[mappedV4 ? 4 : (family as 4 | 6)];
  if (bits <= widest && !(family === 6 && !mappedV4 && isPrivateV6Subnet(address, bits))) return `"${entry}" trusts too much of the internet: any client could then choose its own address`;
  return undefined;
}

/** Express's "trust proxy" value: a hop count, or the list of proxies. Throws with every problem. */
export function parseTrustProxy(value: string): number | string {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed.split(',').map((entry) => entry.trim());
  const problems = entries.map((entry) => (entry === '' ? 'an empty entry' : trustProxyEntryProblem(entry))).filter((p) => p !== undefined);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return entries.join(', ');
}
