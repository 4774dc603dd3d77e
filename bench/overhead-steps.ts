// Where a lifecycle's time goes, from the histories' event timestamps: for each lifecycle the
// overhead figure measured (Hostflow's and the twin's), the time its entity and child workflows
// spent in workflow tasks (queued for a worker, then in the worker) and in activities (queued, then
// running), summed over the lifecycle. The steps overlap (an entity's task while its child's
// activity runs) and include the closing tasks after an operation was reported done, so they are
// not meant to add up to the measured time; the request itself (Hostflow's signed POST and
// read-model poll, the twin's bare signal) is in the measured time only.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { fetchEvents, type HistoryEvent } from './billable-actions';
import { summarize } from './stats';

const EventType = temporal.api.enums.v1.EventType;

/** Milliseconds summed over one lifecycle's workflows, and how many tasks they were. */
export interface LifecycleSteps {
  /** The lifecycle's operations, end to end, as the overhead figure measured them. */
  measuredMs: number;
  workflowTaskQueuedMs: number;
  workflowTaskRunningMs: number;
  /** From scheduled to the last attempt's start, so a retried activity's earlier attempts and back-off count here. */
  activityQueuedMs: number;
  activityRunningMs: number;
  workflowTasks: number;
  activities: number;
}

export interface OverheadSteps {
  /** Medians over the lifecycles looked at, and how many each side had. */
  hostflow: LifecycleSteps & { lifecycles: number };
  twin: LifecycleSteps & { lifecycles: number };
}

export interface MeasuredLifecycle {
  entityWorkflowId: string;
  measuredMs: number;
}

function timeMs(event: HistoryEvent): number {
  const t = event.eventTime!;
  return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** The entity's history and its children's: each child run the entity saw start. */
async function lifecycleHistories(client: Client, entityWorkflowId: string): Promise<HistoryEvent[][]> {
  const entity = await fetchEvents(client, entityWorkflowId);
  const children = entity.flatMap((e) => {
    const execution = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    return execution?.workflowId ? [{ workflowId: execution.workflowId, runId: execution.runId ?? undefined }] : [];
  });
  return [entity, ...(await Promise.all(children.map((c) => fetchEvents(client, c.workflowId, c.runId))))];
}

function addSteps(steps: LifecycleSteps, events: HistoryEvent[], workflowId: string): void {
  const at = new Map(events.map((e) => [Number(e.eventId), timeMs(e)]));
  const since = (eventId: unknown, event: HistoryEvent) => {
    const from = at.get(Number(eventId));
    if (from === undefined) throw new Error(`history of ${workflowId}: event ${String(event.eventId)} refers to event ${String(eventId)}, which is not in it`);
    return timeMs(event) - from;
  };
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        steps.workflowTaskQueuedMs += since(e.workflowTaskStartedEventAttributes?.scheduledEventId, e);
        steps.workflowTasks += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        steps.workflowTaskRunningMs += since(e.workflowTaskCompletedEventAttributes?.startedEventId, e);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        steps.activityQueuedMs += since(e.activityTaskStartedEventAttributes?.scheduledEventId, e);
        steps.activities += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        steps.activityRunningMs += since(e.activityTaskCompletedEventAttributes?.startedEventId, e);
        break;
    }
  }
}

async function stepsOf(client: Client, lifecycle: MeasuredLifecycle): Promise<LifecycleSteps> {
  const steps: LifecycleSteps = { measuredMs: lifecycle.measuredMs, workflowTaskQueuedMs: 0, workflowTaskRunningMs: 0, activityQueuedMs: 0, activityRunningMs: 0, workflowTasks: 0, activities: 0 };
  for (const events of await lifecycleHistories(client, lifecycle.entityWorkflowId)) addSteps(steps, events, lifecycle.entityWorkflowId);
  return steps;
}

async function medianSteps(client: Client, lifecycles: MeasuredLifecycle[]): Promise<LifecycleSteps & { lifecycles: number }> {
  const all: LifecycleSteps[] = [];
  for (const lifecycle of lifecycles) all.push(await stepsOf(client, lifecycle));
  const median = (pick: (s: LifecycleSteps) => number) => summarize(all.map(pick)).p50;
  return {
    lifecycles: all.length,
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
export async function overheadSteps(client: Client, lifecycles: { hostflow: MeasuredLifecycle[]; twin: MeasuredLifecycle[] }): Promise<OverheadSteps> {
  return { hostflow: await medianSteps(client, lifecycles.hostflow), twin: await medianSteps(client, lifecycles.twin) };
}
