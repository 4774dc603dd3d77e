// Snapshots (/v1/images) and the server actions that touch an image, through the client's axios
// instance: hcloud-js's createImage cannot set labels and has no rebuild or list by label.
import { ProviderError } from './errors';
import type { HetznerClient } from './hetzner-client';
import { listAll, selectorOf } from './hetzner-list';

export interface HetznerImage {
  id: number;
  type: string;
  status: string;
  description: string;
  created: string;
  image_size: number | null;
  labels: Record<string, string>;
  created_from?: { id: number } | null;
}

/** Snapshots carrying every one of `labels` (filtered here too: a label selector is only a hint to some stand-ins). */
export async function listLabelledSnapshots(hetzner: HetznerClient, labels: Record<string, string>): Promise<HetznerImage[]> {
  const images = await listAll<HetznerImage>(hetzner, '/images', 'images', { type: 'snapshot', label_selector: selectorOf(labels) });
  return images.filter((i) => i.type === 'snapshot' && Object.entries(labels).every(([k, v]) => i.labels?.[k] === v));
}

/** null when there is no such image. */
export async function getImage(hetzner: HetznerClient, id: number): Promise<HetznerImage | null> {
  try {
    return ((await hetzner.http.get(`/images/${id}`)).data as { image: HetznerImage }).image;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return null;
    throw error;
  }
}

/** false when the image was already gone. */
export async function deleteImage(hetzner: HetznerClient, id: number): Promise<boolean> {
  try {
    await hetzner.http.delete(`/images/${id}`);
    return true;
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) return false;
    throw error;
  }
}

export async function createLabelledSnapshot(
  hetzner: HetznerClient,
  serverId: number,
  snapshot: { description: string; labels: Record<string, string> },
): Promise<{ imageId: number; actionId: number }> {
  const response = await hetzner.http.post(`/servers/${serverId}/actions/create_image`, { type: 'snapshot', ...snapshot });
  const data = response.data as { image: { id: number }; action: { id: number } };
  return { imageId: data.image.id, actionId: data.action.id };
}
