// terminate: optional snapshot → delete the DNS record → delete the server (every server carrying
// the instance's label) → from revision 3 its firewall and the SSH keys no server of the customer
// uses → e-mail and billing (revision 1 deleted the server first). Safe to run from any state, including after a
// failed or half-rolled-back provision: each step treats "already gone" as done.
import { setCurrentDetails } from '@temporalio/workflow';
import type { OperationInput, OperationOutcome } from './domain';
import { revisionOf } from './revisions';
import { serverName } from './ids';
import { operationActivities } from './operation-activities';
import { finishWithNotices } from './server-steps';

export async function terminateWorkflow(input: OperationInput): Promise<OperationOutcome> {
  const { instance, operation, resources } = input;
  const { shortCall, longWait } = operationActivities(input);
  if (operation.args.snapshot && resources.serverId !== undefined) {
    setCurrentDetails(`Taking a snapshot of ${serverName(instance)}`);
    await longWait.snapshotServer.executeWithOptions({ summary: `snapshot ${serverName(instance)}` }, [
      { instance, serverId: resources.serverId, operationId: operation.operationId },
    ]);
  }
  setCurrentDetails(`Deleting ${serverName(instance)} and its DNS record`);
  const deleteServer = () => longWait.deleteServer.executeWithOptions({ summary: `delete server ${serverName(instance)}` }, [{ instance, serverId: resources.serverId }]);
  const deleteDnsRecord = () => shortCall.deleteDnsRecord.executeWithOptions({ summary: `delete DNS record ${instance.subdomain}` }, [{ instance }]);
  if (revisionOf(input) >= 3) {
    await deleteDnsRecord();
    await deleteServer();
    // The firewall and the customer's keys go only once the server no longer uses them.
    await shortCall.deleteFirewall.executeWithOptions({ summary: `delete firewall of ${serverName(instance)}` }, [{ instance }]);
    await shortCall.deleteUnusedSshKeys.executeWithOptions({ summary: 'delete SSH keys no server of the customer uses' }, [{ instance }]);
  } else if (revisionOf(input) >= 2) {
    await deleteDnsRecord();
    await deleteServer();
  } else {
    await deleteServer();
    await deleteDnsRecord();
  }
  // A customer whose instance never ran was never welcomed; don't write to say goodbye.
  const goodbye = input.fromStatus === 'running' || input.fromStatus === 'suspended' || input.fromStatus === 'attention';
  return finishWithNotices(input, { status: 'terminated', resources: {}, plan: instance.plan }, goodbye ? 'terminated' : undefined, 'instance.terminated');
}
