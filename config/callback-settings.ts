// Where a new server calls back and the secret its callback token is derived from: the worker
// writes both into cloud-init, the API checks the callback (and names API_URL in its OpenAPI document).
import { z } from 'zod';

export const callbackEnvShape = {
  API_URL: z.url().default('http://127.0.0.1:2222'),
  CALLBACK_SECRET: z.string().min(16),
};

type CallbackEnv = z.output<z.ZodObject<typeof callbackEnvShape>>;

export interface CallbackConfig {
  /** The API's public base URL (API_URL), without a trailing slash. */
  publicUrl: string;
  callbackSecret: string;
}

export function callbackConfig(e: CallbackEnv): CallbackConfig {
  return { publicUrl: e.API_URL.replace(/\/$/, ''), callbackSecret: e.CALLBACK_SECRET };
}
