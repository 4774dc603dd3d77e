// Cloudflare's v4 envelope: {success, errors, messages, result[, result_info]}.

import type { Response } from 'express';

export interface CfMessage {
  code: number;
  message: string;
  /** The specific causes under a generic code (e.g. 1004 "DNS Validation Error"). */
  error_chain?: CfMessage[];
}

export class CloudflareError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfMessage[],
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

export function cfError(status: number, code: number, message: string, chain?: CfMessage[]): CloudflareError {
  return new CloudflareError(status, [{ code, message, ...(chain ? { error_chain: chain } : {}) }]);
}

export function sendOk(res: Response, result: unknown, resultInfo?: object, status = 200): void {
  res.status(status).json({ success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) });
}

export function sendCfError(res: Response, err: CloudflareError): void {
  res.status(err.status).json({ success: false, errors: err.errors, messages: [], result: null });
}
