// Hetzner's error envelope {error: {code, message, details}} and the statuses it uses.
// Call-specific codes (server_not_stopped, invalid_server_type) have no published status;
// clients branch on `code`, so the sandbox picks 412 and 422 and documents it.

import type { Response } from 'express';

const STATUS: Record<string, number> = {
  unauthorized: 401,
  forbidden: 403,
  invalid_input: 400,
  json_error: 400,
  locked: 423,
  not_found: 404,
  rate_limit_exceeded: 429,
  resource_limit_exceeded: 403,
  resource_unavailable: 403,
  uniqueness_error: 409,
  protected: 423,
  maintenance: 503,
  conflict: 409,
  service_error: 503,
  server_error: 500,
  server_not_stopped: 412,
  invalid_server_type: 422,
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
