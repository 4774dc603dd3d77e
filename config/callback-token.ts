// The VPS proves it is the instance it claims to be with a token derived from CALLBACK_SECRET.
// Derived, never stored and never passed through a workflow: the activity that renders
// cloud-init and the API that checks the callback each compute it on their own.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function callbackToken(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(`hostflow-ready:${instanceId}`).digest('hex');
}

export function isValidCallbackToken(secret: string, instanceId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(callbackToken(secret, instanceId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
