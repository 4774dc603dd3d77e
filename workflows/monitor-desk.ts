// The entity's side of the health monitor and the drift sweep: record each change, raise its
// alert, show `Health`, and queue what they ask for through the entity's own door for requests —
// the same queue and serialisation as every other operation (monitoring.ts decides what).
import { raiseAlert } from './alerts';
import type { OperationRequest } from './domain';
import type { InstanceState } from './instance-state';
import type { OperatorView } from './operator-view';
import type { ReadModelWriter } from './read-model';
import { reserveAndQueue } from './reserved-requests';

/** Work through what the monitors signalled; true when there was any. */
export async function handleMonitorWork(state: InstanceState, readModel: ReadModelWriter, view: OperatorView, accept: (request: OperationRequest) => void): Promise<boolean> {
  const { work } = state.monitoring;
  if (work.length === 0) return false;
  view.showHealth();
  for (let next = work.shift(); next; next = work.shift()) {
    await readModel.writeEvent(next.event);
    if (next.alert) await raiseAlert({ ...next.alert, at: new Date().toISOString() });
    if (next.request) await reserveAndQueue(state, next.request, accept);
  }
  return true;
}
