// An operation the entity asks for itself (billing's suspend, a monitor's reboot): reserved in the
// read model first — its id and number, once per reservation key, so a replayed or retried
// reservation is the same operation — then queued through the entity's own door for requests.
import { activitiesFor } from './activity-proxies';
import type { OperationRequest, ReservedRequest } from './domain';
import type { InstanceState } from './instance-state';

export async function reserveAndQueue(state: InstanceState, request: ReservedRequest, accept: (request: OperationRequest) => void): Promise<void> {
  const { dbWrite } = activitiesFor(state.timings);
  const { operationId, seq } = await dbWrite.reserveOperation.executeWithOptions({ summary: `queue ${request.type} (${request.requestedBy})` }, [
    { instanceId: state.instance.instanceId, type: request.type, args: request.args, requestedBy: request.requestedBy, reservationKey: request.reservationKey },
  ]);
  accept({ operationId, type: request.type, seq, args: request.args, requestedBy: request.requestedBy });
}
