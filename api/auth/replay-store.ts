// The replay store behind signature v2: every API replica inserts each verified (key, nonce)
// into one Postgres table, unique on both, so a captured request sent again — to this replica or
// any other — finds its row and is refused.
import { lt } from 'drizzle-orm';
import { SIGNATURE_WINDOW_SECONDS } from '../../config/request-signing';
import type { Database } from '../../schema/db';
import { requestNonces } from '../../schema/tables';

/**
 * A request is accepted while its timestamp is within the window of the clock, so a nonce first
 * seen at t can come back until at most t + 2 × window; its row must live that long.
 */
export const NONCE_RETENTION_MS = 2 * SIGNATURE_WINDOW_SECONDS * 1000;

/** How often one replica deletes expired rows (at most). */
const PURGE_EVERY_MS = 60_000;

export interface ReplayStore {
  /** true the first time (key, nonce) is seen; false for a replay. */
  claim(apiKey: string, nonce: string, nowMs: number): Promise<boolean>;
}

export function createReplayStore(db: Database): ReplayStore {
  let nextPurgeMs = 0;
  return {
    async claim(apiKey, nonce, nowMs) {
      // Opportunistic purge, no timer: the first request after each minute deletes what has
      // expired (an indexed range delete), so the table stays about two windows of traffic long.
      if (nowMs >= nextPurgeMs) {
        nextPurgeMs = nowMs + PURGE_EVERY_MS;
        await db.delete(requestNonces).where(lt(requestNonces.seenAt, new Date(nowMs - NONCE_RETENTION_MS)));
      }
      const inserted = await db
        .insert(requestNonces)
        .values({ apiKey, nonce, seenAt: new Date(nowMs) })
        .onConflictDoNothing()
        .returning({ nonce: requestNonces.nonce });
      return inserted.length > 0;
    },
  };
}
