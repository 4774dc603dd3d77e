// zod issues → a 400 in the API's envelope. Messages name the field, never echo its value.
import type { z } from 'zod';
import { ApiError, type ErrorDetail } from './errors';

const MAX_DETAILS = 20;

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.slice(0, MAX_DETAILS).map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : what,
    message: issue.message,
  }));
  throw new ApiError('VALIDATION_ERROR', `the ${what} is invalid`, details);
}
