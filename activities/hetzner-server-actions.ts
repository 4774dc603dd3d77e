// Server actions hcloud-js lacks or mistypes: rebuild (with fresh user data), reset_password and
// enable_backup. The root password in an answer is handed to the caller, never kept or logged here.
import type { HetznerClient } from './hetzner-client';

export interface PasswordAction {
  actionId: number;
  /** null when the server has SSH keys (rebuild) — Hetzner then sets none. */
  rootPassword: string | null;
}

export async function rebuildFromImage(hetzner: HetznerClient, serverId: number, image: string, userData: string): Promise<PasswordAction> {
  // A snapshot is named by its id (a number); a system image by its name.
  const ref = /^\d+$/.test(image) ? Number(image) : image;
  const response = await hetzner.http.post(`/servers/${serverId}/actions/rebuild`, { image: ref, user_data: userData });
  const data = response.data as { action: { id: number }; root_password?: string | null };
  return { actionId: data.action.id, rootPassword: data.root_password ?? null };
}

export async function resetPassword(hetzner: HetznerClient, serverId: number): Promise<PasswordAction> {
  const response = await hetzner.http.post(`/servers/${serverId}/actions/reset_password`, {});
  const data = response.data as { action: { id: number }; root_password?: string | null };
  return { actionId: data.action.id, rootPassword: data.root_password ?? null };
}

export async function enableBackupAction(hetzner: HetznerClient, serverId: number): Promise<number> {
  const response = await hetzner.http.post(`/servers/${serverId}/actions/enable_backup`, {});
  return (response.data as { action: { id: number } }).action.id;
}
