// A customer may not order a hostname the operator keeps for itself (RESERVED_HOSTNAMES). 409, not
// 400: the name is well-formed, it is taken, exactly like a name another instance already uses.
// The API never asks Cloudflare whether the name is free (it calls no provider): a record the
// operator created by hand under another name is found by the provision, which then fails without
// touching it (activities/dns.ts).
import { ApiError } from './errors';

export function refuseReservedHostname(hostname: string | undefined, reserved: readonly string[]): void {
  if (hostname === undefined || !reserved.includes(hostname)) return;
  throw new ApiError('CONFLICT', `the hostname "${hostname}" is reserved by the operator; choose another`, [
    { path: 'hostname', message: 'reserved' },
  ]);
}
