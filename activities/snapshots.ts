// On-demand snapshots of an instance's server, labelled with the instance so they can be listed,
// restored (rebuild) and deleted only through it, with a retention count (catalog
// `snapshotRetention`): the oldest Hostflow snapshot of the instance goes when a new one exceeds
// it. Snapshots Hostflow did not label (the one taken before terminate, or an operator's) never count.
import { ApplicationFailure } from '@temporalio/activity';
import type { InstanceSpec, SnapshotView } from '../workflows/domain';
import { FailureType } from '../workflows/failure-types';
import type { ActivityDeps } from './deps';
import { callProvider, operationRefused } from './errors';
import { createLabelledSnapshot, deleteImage, getImage, listLabelledSnapshots, type HetznerImage } from './hetzner-images';
import { waitForAction, type HetznerWaitDeps, type SnapshotProgress } from './hetzner-waits';
import { heartbeat, previousHeartbeat } from './keep-alive';
import { INSTANCE_LABEL } from './servers';

export type SnapshotDeps = HetznerWaitDeps & Pick<ActivityDeps, 'catalog'>;

const labelsOf = (instance: InstanceSpec) => ({ [INSTANCE_LABEL]: instance.instanceId });
/** The operation id closes the description, so a create whose answer was lost is found again. */
const DESCRIPTION_TAIL = / \(hostflow [0-9a-zA-Z-]+\)$/;

export function createSnapshotActivities(deps: SnapshotDeps) {
  return {
    takeSnapshot: takeSnapshot.bind(null, deps),
    deleteSnapshot: deleteSnapshot.bind(null, deps),
  };
}

async function takeSnapshot(
  deps: SnapshotDeps,
  input: { instance: InstanceSpec; serverId: number; operationId: string; description?: string },
): Promise<{ imageId: number; snapshots: SnapshotView[] }> {
  const what = `snapshot server ${input.serverId} of instance ${input.instance.instanceId}`;
  const imageId = await createOnce(deps, input, what);
  const all = await callProvider(what, () => listLabelledSnapshots(deps.hetzner, labelsOf(input.instance)));
  const oldestFirst = all.sort((a, b) => a.created.localeCompare(b.created) || a.id - b.id);
  const excess = oldestFirst.filter((i) => i.id !== imageId).slice(0, Math.max(0, oldestFirst.length - deps.catalog.snapshotRetention));
  for (const old of excess) await callProvider(`${what} (deleting snapshot ${old.id} beyond the retention of ${deps.catalog.snapshotRetention})`, () => deleteImage(deps.hetzner, old.id));
  const kept = oldestFirst.filter((i) => !excess.includes(i));
  return { imageId, snapshots: kept.map(snapshotView) };
}

/** create_image, or the one an earlier attempt of this operation started (heartbeat or description). */
async function createOnce(deps: SnapshotDeps, input: { instance: InstanceSpec; serverId: number; operationId: string; description?: string }, what: string): Promise<number> {
  const previous = previousHeartbeat<SnapshotProgress>();
  if (previous?.step === 'create_image' && previous.actionId !== undefined) {
    await waitForAction(deps, what, previous.actionId, previous);
    return previous.imageId;
  }
  const description = `${input.description ?? 'snapshot'} (hostflow ${input.operationId})`;
  const labels = labelsOf(input.instance);
  const existing = (await callProvider(what, () => listLabelledSnapshots(deps.hetzner, labels))).find((i) => i.description === description);
  if (existing) {
    const action = (await callProvider(what, () => deps.hetzner.listServerActions(input.serverId))).find((a) => a.command === 'create_image' && a.status === 'running');
    if (action) await waitForAction(deps, what, action.id, { step: 'create_image', actionId: action.id, imageId: existing.id, startedAt: Date.now() });
    return existing.id;
  }
  if (!(await callProvider(what, () => deps.hetzner.getServer(input.serverId)))) {
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, nonRetryable: true, message: `${what}: the server does not exist at Hetzner` });
  }
  const created = await callProvider(what, () => createLabelledSnapshot(deps.hetzner, input.serverId, { description, labels }));
  const progress: SnapshotProgress = { step: 'create_image', actionId: created.actionId, imageId: created.imageId, startedAt: Date.now() };
  heartbeat(progress);
  await waitForAction(deps, what, created.actionId, progress);
  return created.imageId;
}

/** Delete one of the instance's snapshots; one that is gone already is done, anyone else's is refused. */
async function deleteSnapshot(deps: SnapshotDeps, input: { instance: InstanceSpec; imageId: number }): Promise<{ snapshots: SnapshotView[] }> {
  const what = `delete snapshot ${input.imageId} of instance ${input.instance.instanceId}`;
  const image = await callProvider(what, () => getImage(deps.hetzner, input.imageId));
  if (image && (image.type !== 'snapshot' || image.labels?.[INSTANCE_LABEL] !== input.instance.instanceId)) {
    throw operationRefused(`${what}: image ${input.imageId} is not a snapshot of this instance.`);
  }
  if (image) await callProvider(what, () => deleteImage(deps.hetzner, input.imageId));
  const left = await callProvider(what, () => listLabelledSnapshots(deps.hetzner, labelsOf(input.instance)));
  return { snapshots: left.sort((a, b) => a.created.localeCompare(b.created) || a.id - b.id).map(snapshotView) };
}

export function snapshotView(image: HetznerImage): SnapshotView {
  return {
    imageId: image.id,
    description: image.description.replace(DESCRIPTION_TAIL, ''),
    createdAt: image.created,
    ...(image.image_size !== null && image.image_size !== undefined ? { sizeGb: image.image_size } : {}),
  };
}
