// The ready callback's token is single-use: it sits in user data that any process on the VPS can
// read from the metadata service, so once the VPS has called back, the token must signal nothing.
// The mark lives in Postgres, so every API replica sees it.
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { instances } from '../schema/tables';

export async function isCallbackTokenUsed(db: Database, instanceId: string): Promise<boolean> {
  const [row] = await db.select({ usedAt: instances.callbackUsedAt }).from(instances).where(eq(instances.id, instanceId)).limit(1);
  return row !== undefined && row.usedAt !== null;
}

/** Marks the token used; the first mark wins, so the time is that of the first ready. */
export async function markCallbackTokenUsed(db: Database, instanceId: string): Promise<void> {
  await db
    .update(instances)
    .set({ callbackUsedAt: new Date() })
    .where(and(eq(instances.id, instanceId), isNull(instances.callbackUsedAt)));
}
