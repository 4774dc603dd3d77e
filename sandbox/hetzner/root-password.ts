// Root passwords the API hands out (create without SSH keys, rebuild, reset_password). The
// sandbox remembers the last one that took effect per server, so a test can prove it reached the
// customer's e-mail and nothing else; the real API never shows it again.

import { randomBytes } from 'node:crypto';
import type { ServerRecord } from '../store';

export function newRootPassword(): string {
  return randomBytes(12).toString('base64url');
}

export function recordRootPassword(server: ServerRecord, value: string, via: string): string {
  server.rootPassword = { value, via, at: new Date().toISOString() };
  return value;
}

export function issueRootPassword(server: ServerRecord, via: string): string {
  return recordRootPassword(server, newRootPassword(), via);
}
