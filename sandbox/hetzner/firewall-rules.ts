// Firewall rule validation as Hetzner's reference states it: direction in (source_ips) or out
// (destination_ips); protocol tcp, udp, icmp, esp or gre; a port or "low-high" range only for tcp
// and udp, where it is required; at most 100 CIDR blocks per list, host bits empty or a single
// host; IPv6 in canonical form (RFC 5952); at most 50 rules per firewall.

import { isIPv4, isIPv6 } from 'node:net';
import type { FirewallRule } from '../store';
import { invalidInput } from './errors';

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'esp', 'gre'] as const;
export const MAX_RULES = 50;
const MAX_CIDRS = 100;
const MAX_DESCRIPTION = 255;

function ipv4Bits(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Expand an IPv6 address to 128 bits (isIPv6 has already accepted it). */
function ipv6Bits(ip: string): bigint {
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** A CIDR as the API stores it, or null when it is not one it accepts. */
export function canonicalCidr(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = value.match(/^([^/]+)\/(\d{1,3})$/);
  if (!m) return null;
  const [, ip = '', lenText = ''] = m;
  const len = Number(lenText);
  if (isIPv4(ip)) {
    if (len > 32) return null;
    const host = ipv4Bits(ip) & ((1n << BigInt(32 - len)) - 1n);
    return host === 0n ? `${ip}/${len}` : null;
  }
  if (isIPv6(ip) && !ip.includes('.')) {
    if (len > 128) return null;
    const host = ipv6Bits(ip) & ((1n << BigInt(128 - len)) - 1n);
    // WHATWG URL serialises IPv6 the RFC 5952 way: lower case, longest zero run compressed.
    return host === 0n ? `${new URL(`http://[${ip}]/`).hostname.slice(1, -1)}/${len}` : null;
  }
  return null;
}

function checkPort(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalidInput(field, 'is required for protocols tcp and udp');
  const m = value.match(/^(\d{1,5})(?:-(\d{1,5}))?$/);
  const low = Number(m?.[1]);
  const high = m?.[2] === undefined ? low : Number(m[2]);
  if (!m || low < 1 || high > 65535 || high < low) throw invalidInput(field, 'must be a port (1-65535) or a range "low-high"');
  return value;
}

function checkIps(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidInput(field, 'must be an array of CIDR blocks');
  if (value.length > MAX_CIDRS) throw invalidInput(field, `must not contain more than ${MAX_CIDRS} entries`);
  return value.map((v) => {
    const cidr = canonicalCidr(v);
    if (!cidr) throw invalidInput(field, `'${String(v)}' is not a valid CIDR block (with empty host bits)`);
    return cidr;
  });
}

function checkRule(raw: unknown, i: number): FirewallRule {
  const at = (f: string) => `rules[${i}].${f}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidInput(`rules[${i}]`, 'must be an object');
  const r = raw as Record<string, unknown>;
  const direction = r['direction'];
  if (direction !== 'in' && direction !== 'out') throw invalidInput(at('direction'), "must be 'in' or 'out'");
  const protocol = r['protocol'];
  if (!PROTOCOLS.includes(protocol as (typeof PROTOCOLS)[number])) throw invalidInput(at('protocol'), `must be one of ${PROTOCOLS.join(', ')}`);
  const withPort = protocol === 'tcp' || protocol === 'udp';
  const port = withPort ? checkPort(r['port'], at('port')) : null;
  if (!withPort && r['port'] !== undefined && r['port'] !== null) throw invalidInput(at('port'), 'is only allowed for protocols tcp and udp');
  const sourceIps = checkIps(r['source_ips'], at('source_ips'));
  const destinationIps = checkIps(r['destination_ips'], at('destination_ips'));
  if (direction === 'in' && sourceIps.length === 0) throw invalidInput(at('source_ips'), "is required for direction 'in'");
  if (direction === 'in' && destinationIps.length > 0) throw invalidInput(at('destination_ips'), "is not allowed for direction 'in'");
  if (direction === 'out' && destinationIps.length === 0) throw invalidInput(at('destination_ips'), "is required for direction 'out'");
  if (direction === 'out' && sourceIps.length > 0) throw invalidInput(at('source_ips'), "is not allowed for direction 'out'");
  const description = r['description'] ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION)) {
    throw invalidInput(at('description'), `must be a string of at most ${MAX_DESCRIPTION} characters`);
  }
  return { direction, protocol: protocol as FirewallRule['protocol'], port, source_ips: sourceIps, destination_ips: destinationIps, description };
}

export function checkRules(value: unknown, required: boolean): FirewallRule[] {
  if (value === undefined || value === null) {
    if (required) throw invalidInput('rules', 'is required');
    return [];
  }
  if (!Array.isArray(value)) throw invalidInput('rules', 'must be an array');
  if (value.length > MAX_RULES) throw invalidInput('rules', `must not contain more than ${MAX_RULES} rules`);
  return value.map(checkRule);
}
