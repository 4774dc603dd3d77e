// A bound on an instance's queue (API_MAX_QUEUED_OPERATIONS, default 20): the entity workflow keeps
// its queue in its state and history, so a client looping on reboot must not grow it without end.
// 429 with Retry-After, not 409: the queue drains as operations finish, so the same request later
// succeeds. Terminate is never refused: it drops the queue, and billing must always be able to stop.
// Counted from the read model (in the request's one statement, api/operation-write.ts), so two
// requests at the same moment may overshoot by one or two.
import { ApiError } from './errors';

const RETRY_AFTER_SECONDS = 60;

export function refuseWhenQueueFull(queued: number, maxQueued: number): void {
  if (queued < maxQueued) return;
  throw new ApiError(
    'RATE_LIMITED',
    `the instance already has ${queued} queued operations (the limit is ${maxQueued}); retry when some have run`,
    [{ path: 'operations', message: 'queue full' }],
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );
}
