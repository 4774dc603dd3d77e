// Request and response shapes of the VPS routes (rebuild, reset-password, snapshots) and of the
// VPS's `failed` callback; api/openapi-vps.ts documents them from these same objects.
import { z } from 'zod';
import { InstanceIdParams } from './schemas';

const snapshotId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: "One of the instance's snapshots (GET …/snapshots)", example: 1843217 });

export const RebuildBody = z
  .strictObject({
    image: z.string().min(1).max(64).optional().meta({ description: 'A system image of the catalog (GET /api/catalog `images`)', example: 'ubuntu-24.04' }),
    snapshot_id: snapshotId.optional(),
  })
  .refine((b) => (b.image === undefined) !== (b.snapshot_id === undefined), { message: 'give exactly one of image and snapshot_id' })
  .meta({ id: 'RebuildRequest', description: 'Reinstall from a system image or restore one of the instance’s snapshots; everything on the disk is replaced' });

export const SnapshotBody = z
  .strictObject({
    description: z
      .string()
      .regex(/^[\x20-\x7e]{1,100}$/, 'expected 1–100 printable ASCII characters')
      .optional()
      .meta({ description: 'A label for the snapshot', example: 'before upgrade' }),
  })
  .meta({ id: 'SnapshotRequest' });

/** DELETE …/snapshots/:snapshot_id takes no options. */
export const EmptyBody = z.strictObject({});

export const FailedBody = z
  .strictObject({
    reason: z
      .string()
      .regex(/^[\x20-\x7e]{1,200}$/, 'expected 1–200 printable ASCII characters')
      .meta({ description: 'Why the install failed, in a few words', example: 'gateway did not answer its health check' }),
  })
  .meta({ id: 'FailedRequest' });

export const SnapshotIdParams = InstanceIdParams.extend({
  snapshot_id: z.string().meta({ param: { description: 'Snapshot id (an integer)' }, example: '1843217' }),
});

export const SnapshotView = z
  .object({
    id: z.number().int(),
    description: z.string(),
    size_gb: z.number().nullable().meta({ description: 'Null until the provider has measured it' }),
    created_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Snapshot' });
export type SnapshotView = z.infer<typeof SnapshotView>;

export const SnapshotList = z
  .object({ snapshots: z.array(SnapshotView).meta({ description: 'Oldest first, as the last snapshot operation left them' }) })
  .meta({ id: 'SnapshotList' });
