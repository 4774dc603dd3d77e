// The /__sandbox/state snapshot: provider-shaped resources plus what only the sandbox knows
// (user data, injected key ids, the last root password, callbacks, messages, request counts), so a
// test can prove nothing leaked or doubled.

import { recordJson } from './cloudflare/dns-records';
import type { FaultEngine } from './faults';
import { type HetznerContext, renderServer } from './hetzner/context';
import { actionJson, firewallJson, imageJson, sshKeyJson } from './hetzner/render';
import type { SandboxState } from './types';

export function buildState(ctx: HetznerContext, faults: FaultEngine): SandboxState {
  const { store } = ctx;
  return structuredClone({
    servers: [...store.servers.values()].map((s) => ({
      ...renderServer(ctx, s),
      user_data: s.userData,
      vm_mode: s.vmMode,
      vm_fail_reason: s.vmFailReason,
      ignore_acpi: s.ignoreAcpi,
      cloud_init_done: s.cloudInitDone,
      guest_up: s.guestUp,
      health_mode: s.healthMode,
      ssh_key_ids: s.sshKeyIds,
      root_password: s.rootPassword,
    })),
    ssh_keys: [...store.sshKeys.values()].map(sshKeyJson),
    firewalls: [...store.firewalls.values()].map(firewallJson),
    unavailable_locations: [...store.unavailableLocations].map(([location, types]) => ({ location, server_types: types })),
    actions: [...store.actions.values()].map(actionJson),
    images: [...store.images.values()].map(imageJson),
    dns_records: [...store.dnsRecords.values()].map(recordJson),
    messages: store.messages,
    callbacks: store.callbacks,
    requests: store.requests,
    health_checks: store.healthChecks,
    alerts: store.alerts,
    faults: faults.config(),
  });
}
