// The replay store behind signature v2: every API replica inserts each verified (key, nonce)
// into one Postgres table, unique on both, so a captured request sent again — to this replica or
// any other — finds its row and is refused.
import { lt } from 'drizzle-orm';
import type postgres from 'postgres';
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
  /** Deletes expired rows, at most once a minute (claim does it too). */
  purge(nowMs: number): Promise<void>;
}

/**
 * A verified nonce not yet in the table: a route that writes the read model claims it inside its
 * own statement (api/instance-write.ts), so the request costs one round trip to Postgres, not two.
 * Whatever path the request then takes, the nonce ends up claimed before the answer: the route's
 * statement, or `claim()` on its own (its error path, the route's error handler).
 */
export interface PendingNonce {
  apiKey: string;
  nonce: string;
  nowMs: number;
  /** Set once the nonce is in the table. */
  claimed: boolean;
  /** Claims it in a statement of its own unless already claimed; throws the 401 on a replay. */
  claim(): Promise<void>;
}

/**
 * The `nonce` and `go` CTEs of a one-statement write (api/instance-write.ts, api/operation-write.ts):
 * inserts the pending nonce, if any; `go.ok` is false when it was already in the table (a replay),
 * and the statement's other CTEs then do nothing.
 */
export function nonceClaimCtes(sql: postgres.Sql, nonce: PendingNonce | undefined): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    nonce as (
      insert into request_nonces (api_key, nonce, seen_at)
      select ${nonce?.apiKey ?? null}::text, ${nonce?.nonce ?? null}::text, ${new Date(nonce?.nowMs ?? 0).toISOString()}::timestamptz
      where ${nonce?.nonce ?? null}::text is not null
      on conflict do nothing
      returning 1
    ),
    go as (select ${nonce?.nonce ?? null}::text is null or exists (select 1 from nonce) as ok)`;
}

export function createReplayStore(db: Database): ReplayStore {
  let nextPurgeMs = 0;
  const purge = async (nowMs: number) => {
    // Opportunistic purge, no timer: the first request after each minute deletes what has
    // expired (an indexed range delete), so the table stays about two windows of traffic long.
    if (nowMs < nextPurgeMs) return;
    nextPurgeMs = nowMs + PURGE_EVERY_MS;
    await db.delete(requestNonces).where(lt(requestNonces.seenAt, new Date(nowMs - NONCE_RETENTION_MS)));
  };
  return {
    purge,
    async claim(apiKey, nonce, nowMs) {
      await purge(nowMs);
      const inserted = await db
        .insert(requestNonces)
        .values({ apiKey, nonce, seenAt: new Date(nowMs) })
        .onConflictDoNothing()
        .returning({ nonce: requestNonces.nonce });
      return inserted.length > 0;
    },
  };
}
