// Hetzner's error envelope {error: {code, message, details}} and the statuses it uses.
// Statuses follow the error table of Hetzner's current OpenAPI reference (docs.hetzner.cloud):
// invalid_input is 422 there (field reports agree: "422 Unprocessable Entity" for a bad
// ssh_keys entry), resource_unavailable 412, operation-specific codes 422 unless noted.

import type { Response } from 'express';

const STATUS: Record<string, number> = {
  json_error: 400,
  unauthorized: 401,
  forbidden: 403,
  maintenance: 403,
  resource_limit_exceeded: 403,
  not_found: 404,
  uniqueness_error: 409,
  conflict: 409,
  resource_unavailable: 412,
  invalid_input: 422,
  service_error: 422,
  unsupported_error: 422,
  locked: 423,
  protected: 423,
  rate_limit_exceeded: 429,
  server_error: 500,
  unavailable: 503,
  timeout: 504,
  // Operation-specific codes, as the reference lists them per route.
  server_not_stopped: 422,
  invalid_server_type: 422,
  placement_error: 422,
  resource_in_use: 422,
  server_already_added: 422,
  firewall_already_applied: 422,
  firewall_resource_not_found: 404,
  incompatible_network_type: 422,
};

export class HetznerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly status: number = STATUS[code] ?? 400,
  ) {
    super(message);
  }
}

export function invalidInput(field: string, message: string): HetznerError {
  return new HetznerError('invalid_input', `invalid input in field '${field}'`, {
    fields: [{ name: field, messages: [message] }],
  });
}

export function notFound(what: string): HetznerError {
  return new HetznerError('not_found', `${what} not found`);
}

export function sendHetznerError(res: Response, err: HetznerError): void {
  res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
}
