// The read model's snapshots of an instance (written by the worker's records activity).
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../schema/db';
import { snapshots, type SnapshotRow } from '../schema/tables';
import type { SnapshotView } from './vps-schemas';

export async function listSnapshots(db: Database, instanceId: string): Promise<SnapshotRow[]> {
  return db.select().from(snapshots).where(eq(snapshots.instanceId, instanceId)).orderBy(asc(snapshots.createdAt), asc(snapshots.imageId));
}

/** The snapshot when it is this instance's; another instance's is as unknown as a missing one. */
export async function findSnapshot(db: Database, instanceId: string, imageId: number): Promise<SnapshotRow | undefined> {
  const [row] = await db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.instanceId, instanceId), eq(snapshots.imageId, imageId)))
    .limit(1);
  return row;
}

export function snapshotView(row: SnapshotRow): SnapshotView {
  return { id: row.imageId, description: row.description, size_gb: row.sizeGb, created_at: new Date(row.createdAt).toISOString() };
}
