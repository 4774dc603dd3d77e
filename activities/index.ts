// Every side effect Hostflow has, built from its dependencies (see deps.ts). Each concern's
// factory gets only what it uses: provider activities (servers, power, DNS) cannot reach the
// database; the read model has one writer for what workflows know (records.ts).
import { createAlertActivities } from './alerts';
import { createBackupActivities } from './backups';
import { createBillingActivities } from './billing';
import type { ActivityDeps } from './deps';
import { createDnsActivities } from './dns';
import { createDriftActivities } from './drift';
import { createEmailActivities } from './email';
import { createFirewallActivities } from './firewall';
import { createFleetHealthActivities } from './fleet-health';
import { createNoticeActivities } from './notices';
import { createPowerActivities } from './power';
import { createRebuildActivities } from './rebuild';
import { createRecordActivities } from './records';
import { createServerActivities } from './servers';
import { createSnapshotActivities } from './snapshots';
import { createSshKeyActivities } from './ssh-keys';

export function createActivities(deps: ActivityDeps) {
  const { db, hetzner, dns, mail, billing, apiPublicUrl, callbackSecret, domain, catalog, pollIntervalMs, fleet, alerts } = deps;
  const records = createRecordActivities({ db });
  return {
    ...createServerActivities({ hetzner, pollIntervalMs, catalog, domain, apiPublicUrl, callbackSecret }),
    ...createPowerActivities({ hetzner, pollIntervalMs, catalog }),
    ...createSshKeyActivities({ hetzner }),
    ...createFirewallActivities({ hetzner, pollIntervalMs, catalog }),
    ...createBackupActivities({ hetzner, pollIntervalMs }),
    ...createSnapshotActivities({ hetzner, pollIntervalMs, catalog }),
    // The one provider concern with database and mail access: a root password is e-mailed where it is received.
    ...createRebuildActivities({ hetzner, pollIntervalMs, db, mail, domain, catalog, apiPublicUrl, callbackSecret }),
    ...createDnsActivities({ dns, domain }),
    ...notices(createEmailActivities({ db, mail, domain, catalog }), createBillingActivities({ db, billing }), records.recordTransition),
    ...records,
    // Day two: the fleet sweeps read the read model and the providers; alerts reach operators.
    ...createFleetHealthActivities({ db, hetzner, fleet, domain }),
    ...createDriftActivities({ db, hetzner, dns, fleet, domain }),
    ...createAlertActivities({ mail, alerts }),
  };
}

/** sendEmail and notifyBilling, and the one activity that sends both (revision 4 children) and,
 * from revision 5, records the operation's success through `recordTransition`. */
function notices(email: ReturnType<typeof createEmailActivities>, billing: ReturnType<typeof createBillingActivities>, recordTransition: ReturnType<typeof createRecordActivities>['recordTransition']) {
  return { ...email, ...billing, ...createNoticeActivities({ sendEmail: email.sendEmail, notifyBilling: billing.notifyBilling, recordTransition }) };
}

/** Every activity by name; the names are recorded in workflow histories, so they never change. */
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
/** The customer e-mails there are (email-templates.ts), for the workflows, which import activities as types only and from here. */
export type { EmailKind } from './email-templates';
