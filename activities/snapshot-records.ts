// The read model's list of an instance's snapshots: replaced whole by each snapshot operation's
// transition (the workflow reports the set Hetzner has after the change), inside that transition's
// transaction, so the API never shows half of one.
import { eq, notInArray, and } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { snapshots } from '../schema/tables';
import type { SnapshotView } from '../workflows/domain';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export async function replaceSnapshots(tx: Transaction, instanceId: string, views: SnapshotView[]): Promise<void> {
  const ids = views.map((v) => v.imageId);
  await tx
    .delete(snapshots)
    .where(ids.length > 0 ? and(eq(snapshots.instanceId, instanceId), notInArray(snapshots.imageId, ids)) : eq(snapshots.instanceId, instanceId));
  for (const view of views) {
    const row = { imageId: view.imageId, instanceId, description: view.description, sizeGb: view.sizeGb ?? null, createdAt: new Date(view.createdAt) };
    // Hetzner's image ids are unique; the row follows whoever reports the image last (test runs share
    // one database between sandboxes whose ids start alike).
    await tx.insert(snapshots).values(row).onConflictDoUpdate({ target: snapshots.imageId, set: { instanceId, description: row.description, sizeGb: row.sizeGb, createdAt: row.createdAt } });
  }
}
