// Every side effect Hostflow has, built from its dependencies (see deps.ts). Each concern's
// factory gets only what it uses: provider activities (servers, power, DNS) cannot reach the
// database; the read model has one writer for what workflows know (records.ts).
import { createBillingActivities } from './billing';
import type { ActivityDeps } from './deps';
import { createDnsActivities } from './dns';
import { createEmailActivities } from './email';
import { createPowerActivities } from './power';
import { createRecordActivities } from './records';
import { createServerActivities } from './servers';

export function createActivities(deps: ActivityDeps) {
  const { db, hetzner, dns, mail, billing, apiPublicUrl, callbackSecret, domain, catalog, pollIntervalMs } = deps;
  return {
    ...createServerActivities({ hetzner, pollIntervalMs, catalog, domain, apiPublicUrl, callbackSecret }),
    ...createPowerActivities({ hetzner, pollIntervalMs, catalog }),
    ...createDnsActivities({ dns, domain }),
    ...createEmailActivities({ db, mail, domain }),
    ...createBillingActivities({ db, billing }),
    ...createRecordActivities({ db }),
  };
}

/** Every activity by name; the names are recorded in workflow histories, so they never change. */
export type Activities = ReturnType<typeof createActivities>;
export type ServerActivities = ReturnType<typeof createServerActivities>;
export type PowerActivities = ReturnType<typeof createPowerActivities>;
export type DnsActivities = ReturnType<typeof createDnsActivities>;
export type EmailActivities = ReturnType<typeof createEmailActivities>;
export type BillingActivities = ReturnType<typeof createBillingActivities>;
export type RecordActivities = ReturnType<typeof createRecordActivities>;
export type { ActivityDeps } from './deps';
