// The build half of provision: everything that makes a server exist and answer at its name.
// Each step fills `resources` as it goes, so a rollback knows what exists.
import { ActivityCancellationType, setCurrentDetails } from '@temporalio/workflow';
import type { OperationInput, Resources } from './domain';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { revisionOf } from './revisions';

/** What the build made besides `resources`, for the provision's outcome. */
export interface BuildReport {
  /** The region's first location had no capacity; the server is elsewhere. */
  fellBackFrom?: string;
}

/**
 * SSH keys and firewall (revision 3), server, wait until it runs, backups (revision 3, if the plan
 * has them), DNS record, and from revision 3 one visible step that records all of it.
 */
export async function buildServer(input: OperationInput, resources: Resources): Promise<BuildReport> {
  const { instance } = input;
  const { shortCall, longWait, dbWrite } = operationActivities(input);
  const revision3 = revisionOf(input) >= 3;
  // From revision 3 a terminate that cancels the provision waits for a step in flight to end, so
  // the rollback never runs while a create may still add a server or a record it would miss.
  const step = (summary: string) => ({ summary, ...(revision3 ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}) });

  const access = revision3 ? await customerAccess(input, step) : {};
  setCurrentDetails(`Creating server ${serverName(instance)}`);
  const created = await shortCall.createServer.executeWithOptions(step(`create server ${serverName(instance)}`), [{ instance, ...access }]);
  Object.assign(resources, { serverId: created.serverId, ipAddress: created.ipAddress, serverType: created.serverType, location: created.location });
  await longWait.waitForServerRunning.executeWithOptions(step(`wait for server ${created.serverId} to start`), [
    { instance, serverId: created.serverId!, createActionId: created.createActionId },
  ]);
  if (revision3 && instance.backups) {
    await longWait.enableBackup.executeWithOptions(step(`enable backups of ${serverName(instance)}`), [{ instance, serverId: created.serverId! }]);
  }
  setCurrentDetails(`Creating DNS record ${instance.subdomain} → ${created.ipAddress}`);
  const { dnsRecordId } = await shortCall.ensureDnsRecord.executeWithOptions(step(`create DNS A record ${instance.subdomain} → ${created.ipAddress}`), [
    { instance, ipAddress: created.ipAddress! },
  ]);
  resources.dnsRecordId = dnsRecordId;
  if (revision3) {
    await dbWrite.recordResources.executeWithOptions(step(`record server ${created.serverId} and DNS record`), [{ instanceId: instance.instanceId, resources: { ...resources } }]);
  }
  return created.fellBackFrom ? { fellBackFrom: created.fellBackFrom } : {};
}

/** The customer's SSH keys (stored once at Hetzner, referenced by id) and the instance's firewall. */
async function customerAccess(input: OperationInput, step: (summary: string) => { summary: string }): Promise<{ sshKeyIds?: number[]; firewallIds: number[] }> {
  const { instance } = input;
  const { shortCall } = operationActivities(input);
  let sshKeyIds: number[] | undefined;
  if (instance.sshKeys.length > 0) {
    setCurrentDetails(`Registering ${instance.sshKeys.length} SSH key(s)`);
    ({ sshKeyIds } = await shortCall.ensureSshKeys.executeWithOptions(step(`register ${instance.sshKeys.length} SSH key(s)`), [{ instance }]));
  }
  const { firewallId } = await shortCall.ensureFirewall.executeWithOptions(step(`create firewall of ${serverName(instance)}`), [{ instance }]);
  return { ...(sshKeyIds ? { sshKeyIds } : {}), firewallIds: [firewallId] };
}
