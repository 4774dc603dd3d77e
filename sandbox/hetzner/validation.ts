// Input checks the real API makes on server create/update, answered as invalid_input.

import { invalidInput } from './errors';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LABEL_NAME = /^[a-z0-9A-Z]([-_.a-zA-Z0-9]{0,61}[a-z0-9A-Z])?$/;
const LABEL_PREFIX = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Hetzner caps user_data at 32 KiB. */
export const USER_DATA_MAX_BYTES = 32 * 1024;

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !HOSTNAME.test(name)) {
    throw invalidInput('name', 'must be a valid hostname according to RFC 1123');
  }
  return name;
}

export function checkLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels)) throw invalidInput('labels', 'must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : null;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if (!LABEL_NAME.test(name) || (prefix !== null && !LABEL_PREFIX.test(prefix))) {
      throw invalidInput('labels', `invalid label key '${k}'`);
    }
    if (typeof v !== 'string' || (v !== '' && !LABEL_NAME.test(v))) {
      throw invalidInput('labels', `invalid label value for key '${k}'`);
    }
    out[k] = v;
  }
  return out;
}

export function checkUserData(userData: unknown): string | null {
  if (userData === undefined || userData === null) return null;
  if (typeof userData !== 'string') throw invalidInput('user_data', 'must be a string');
  if (Buffer.byteLength(userData, 'utf8') > USER_DATA_MAX_BYTES) {
    throw invalidInput('user_data', `must not be longer than ${USER_DATA_MAX_BYTES} bytes`);
  }
  return userData;
}

export function bodyOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidInput('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}
