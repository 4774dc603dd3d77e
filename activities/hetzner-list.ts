// Every page of a Hetzner list route (meta.pagination.next_page), for the raw reads hcloud-js lacks.
import type { HetznerClient } from './hetzner-client';

export async function listAll<T>(hetzner: HetznerClient, path: string, key: string, params: Record<string, unknown>): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const response = await hetzner.http.get(path, { params: { ...params, page, per_page: 50 } });
    const data = response.data as Record<string, unknown> & { meta?: { pagination?: { next_page: number | null } } };
    items.push(...((data[key] as T[] | undefined) ?? []));
    if (!data.meta?.pagination?.next_page) return items;
  }
}

/** A label selector matching every one of `labels` (keys and values are ours: no escaping needed). */
export const selectorOf = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
