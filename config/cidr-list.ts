// A comma list of CIDRs (SSH_ALLOWED_CIDRS), checked the way Hetzner's firewall API checks
// source_ips: an IPv4 or IPv6 network with a prefix length, no host bits set.
import { isIP } from 'node:net';

/** The CIDRs, or a message naming the first that is not one. */
export function parseCidrList(value: string): string[] | string {
  const cidrs = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (cidrs.length === 0) return 'expected at least one CIDR';
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) return `${cidr}: ${problem}`;
  }
  return cidrs;
}

function cidrProblem(cidr: string): string | undefined {
  const [address = '', prefix, ...rest] = cidr.split('/');
  const version = isIP(address);
  if (version === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return 'expected an address/prefix such as 203.0.113.0/24';
  const bits = Number(prefix);
  const width = version === 4 ? 32 : 128;
  if (bits > width) return `prefix longer than ${width}`;
  if (version === 6 && address.includes('.')) return 'write IPv6 networks in hex notation';
  if (hostBits(address, version, bits)) return 'host bits are set (use the network address)';
  return undefined;
}

function hostBits(address: string, version: number, prefix: number): boolean {
  const value = version === 4 ? ipv4Value(address) : ipv6Value(address);
  const width = version === 4 ? 32n : 128n;
  const hostMask = (1n << (width - BigInt(prefix))) - 1n;
  return (value & hostMask) !== 0n;
}

const ipv4Value = (address: string): bigint => address.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);

function ipv6Value(address: string): bigint {
  const [head = '', tail] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}
