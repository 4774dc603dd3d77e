// Every side effect Hostflow has, built from its dependencies (see deps.ts).
import type { ActivityDeps } from './deps';
import { createBillingActivities } from './billing';
import { createDnsActivities } from './dns';
import { createEmailActivities } from './email';
import { createHetznerActivities } from './hetzner';
import { createRecordActivities } from './records';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createHetznerActivities(deps),
    ...createDnsActivities(deps),
    ...createEmailActivities(deps),
    ...createBillingActivities(deps),
    ...createRecordActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
