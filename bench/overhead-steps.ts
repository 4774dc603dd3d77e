// Where a lifecycle's time goes, from the histories' event timestamps: for each lifecycle the
// overhead figure measured (Hostflow's and the twin's), the time its entity and child workflows
// spent in workflow tasks (queued for a worker, then in the worker) and in activities (queued, then
// running), summed over the lifecycle. What is left of the measured time is the request itself
// (Hostflow: the signed POST through the API and the read-model poll; the twin: a bare signal) and
// the server between events.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { summarize } from './stats';

const EventType = {
  WORKFLOW_TASK_SCHEDULED: 5,
  WORKFLOW_TASK_STARTED: 6,
  WORKFLOW_TASK_COMPLETED: 7,
  ACTIVITY_TASK_SCHEDULED: 10,
  ACTIVITY_TASK_STARTED: 11,
  ACTIVITY_TASK_COMPLETED: 12,
  START_CHILD_WORKFLOW_EXECUTION_INITIATED: 29,
} as const;

/** Milliseconds summed over one lifecycle's workflows, and how many tasks they were. */
export interface LifecycleSteps {
  /** The lifecycle's operations, end to end, as the overhead figure measured them. */
  measuredMs: number;
  workflowTaskQueuedMs: number;
  workflowTaskRunningMs: number;
  activityQueuedMs: number;
  activityRunningMs: number;
  workflowTasks: number;
  activities: number;
}

export interface OverheadSteps {
  /** Medians over the lifecycles looked at. */
  hostflow: LifecycleSteps;
  twin: LifecycleSteps;
  lifecycles: number;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function timeMs(event: HistoryEvent): number {
  const t = event.eventTime!;
  return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** The entity's history and its children's, found through the entity's child starts. */
async function lifecycleHistories(client: Client, entityWorkflowId: string): Promise<HistoryEvent[][]> {
  const entity = (await client.workflow.getHandle(entityWorkflowId).fetchHistory()).events ?? [];
  const childIds = entity
    .filter((e) => Number(e.eventType) === EventType.START_CHILD_WORKFLOW_EXECUTION_INITIATED)
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!);
  const children = await Promise.all(childIds.map(async (id) => (await client.workflow.getHandle(id).fetchHistory()).events ?? []));
  return [entity, ...children];
}

function addSteps(steps: LifecycleSteps, events: HistoryEvent[]): void {
  const at = new Map(events.map((e) => [Number(e.eventId), timeMs(e)]));
  const since = (eventId: unknown, now: number) => now - (at.get(Number(eventId)) ?? now);
  for (const e of events) {
    const t = timeMs(e);
    switch (Number(e.eventType)) {
      case EventType.WORKFLOW_TASK_STARTED:
        steps.workflowTaskQueuedMs += since(e.workflowTaskStartedEventAttributes?.scheduledEventId, t);
        steps.workflowTasks += 1;
        break;
      case EventType.WORKFLOW_TASK_COMPLETED:
        steps.workflowTaskRunningMs += since(e.workflowTaskCompletedEventAttributes?.startedEventId, t);
        break;
      case EventType.ACTIVITY_TASK_STARTED:
        steps.activityQueuedMs += since(e.activityTaskStartedEventAttributes?.scheduledEventId, t);
        steps.activities += 1;
        break;
      case EventType.ACTIVITY_TASK_COMPLETED:
        steps.activityRunningMs += since(e.activityTaskCompletedEventAttributes?.startedEventId, t);
        break;
    }
  }
}

async function stepsOf(client: Client, entityWorkflowId: string, measuredMs: number): Promise<LifecycleSteps> {
  const steps: LifecycleSteps = { measuredMs, workflowTaskQueuedMs: 0, workflowTaskRunningMs: 0, activityQueuedMs: 0, activityRunningMs: 0, workflowTasks: 0, activities: 0 };
  for (const events of await lifecycleHistories(client, entityWorkflowId)) addSteps(steps, events);
  return steps;
}

function medianSteps(all: LifecycleSteps[]): LifecycleSteps {
  const median = (pick: (s: LifecycleSteps) => number) => summarize(all.map(pick)).p50;
  return {
    measuredMs: median((s) => s.measuredMs),
    workflowTaskQueuedMs: median((s) => s.workflowTaskQueuedMs),
    workflowTaskRunningMs: median((s) => s.workflowTaskRunningMs),
    activityQueuedMs: median((s) => s.activityQueuedMs),
    activityRunningMs: median((s) => s.activityRunningMs),
    workflowTasks: median((s) => s.workflowTasks),
    activities: median((s) => s.activities),
  };
}

/** Each side's lifecycles: the entity workflow's id and the sum of its operations' measured times. */
export async function overheadSteps(
  client: Client,
  lifecycles: { hostflow: { entityWorkflowId: string; measuredMs: number }[]; twin: { entityWorkflowId: string; measuredMs: number }[] },
): Promise<OverheadSteps> {
  const side = async (list: { entityWorkflowId: string; measuredMs: number }[]) => {
    const all: LifecycleSteps[] = [];
    for (const l of list) all.push(await stepsOf(client, l.entityWorkflowId, l.measuredMs));
    return medianSteps(all);
  };
  return { hostflow: await side(lifecycles.hostflow), twin: await side(lifecycles.twin), lifecycles: Math.min(lifecycles.hostflow.length, lifecycles.twin.length) };
}
