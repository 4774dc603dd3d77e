// Billable actions, counted from recorded histories by Temporal Cloud's rules
// (docs.temporal.io/cloud/actions): a workflow start (client, signal-with-start, child, or
// continue-as-new), each activity attempt, each timer, each signal received, each
// search-attribute upsert command, each accepted update, each local activity. Queries and
// activity heartbeats are billed too but leave nothing in a history; Hostflow's API sends no
// query, and heartbeats are reported separately as not counted.
import type { Client } from '@temporalio/client';
import type { OperationShape } from './baseline-workflows';
import { LIFECYCLE, request, untilFinalViaApi } from './drive';
import type { Harness } from './harness';
import type { OperationType } from '../workflows/statuses';

export type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

export interface ActionCounts {
  workflowStarts: number;
  activityAttempts: number;
  timers: number;
  signals: number;
  upserts: number;
  updates: number;
  localActivities: number;
  total: number;
}

const zero = (): ActionCounts => ({ workflowStarts: 0, activityAttempts: 0, timers: 0, signals: 0, upserts: 0, updates: 0, localActivities: 0, total: 0 });

export function addCounts(a: ActionCounts, b: ActionCounts): ActionCounts {
  const sum = zero();
  for (const key of Object.keys(sum) as (keyof ActionCounts)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** Actions in a run of events. A child's own start is counted where its parent initiated it. */
export function countActions(events: readonly HistoryEvent[], allEvents: readonly HistoryEvent[] = events): ActionCounts {
  const attemptsBySchedule = new Map<string, number>();
  for (const e of allEvents) {
    const started = e.activityTaskStartedEventAttributes;
    if (started) attemptsBySchedule.set(String(started.scheduledEventId), started.attempt ?? 1);
  }
  const c = zero();
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes && !e.workflowExecutionStartedEventAttributes.parentWorkflowExecution) c.workflowStarts += 1;
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) c.workflowStarts += 1;
    if (e.workflowExecutionContinuedAsNewEventAttributes) c.workflowStarts += 1;
    // An activity's retries are not separate events: the final ActivityTaskStarted carries the attempt number.
    if (e.activityTaskScheduledEventAttributes) c.activityAttempts += attemptsBySchedule.get(String(e.eventId)) ?? 1;
    if (e.timerStartedEventAttributes) c.timers += 1;
    if (e.workflowExecutionSignaledEventAttributes) c.signals += 1;
    if (e.upsertWorkflowSearchAttributesEventAttributes) c.upserts += 1;
    if (e.workflowExecutionUpdateAcceptedEventAttributes) c.updates += 1;
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') c.localActivities += 1;
  }
  c.total = c.workflowStarts + c.activityAttempts + c.timers + c.signals + c.upserts + c.updates + c.localActivities;
  return c;
}

export async function fetchEvents(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events ?? [];
}

const isActivity = (e: HistoryEvent) => Boolean(e.activityTaskScheduledEventAttributes);
const isUpsert = (e: HistoryEvent) => Boolean(e.upsertWorkflowSearchAttributesEventAttributes);
const countIf = (events: readonly HistoryEvent[], test: (e: HistoryEvent) => boolean) => events.filter(test).length;

export interface OperationActions {
  type: OperationType;
  entity: ActionCounts;
  child: ActionCounts;
  total: ActionCounts;
  shape: OperationShape;
}

/** Splits an entity history into one slice per operation: each starts at its requestOperation signal. */
export function sliceByOperation(events: readonly HistoryEvent[]): HistoryEvent[][] {
  const slices: HistoryEvent[][] = [];
  let current: HistoryEvent[] = [];
  for (const e of events) {
    if (e.workflowExecutionSignaledEventAttributes?.signalName === 'requestOperation' && current.some((x) => x.workflowExecutionSignaledEventAttributes)) {
      slices.push(current);
      current = [];
    }
    current.push(e);
  }
  slices.push(current);
  return slices;
}

export async function operationActions(client: Client, type: OperationType, slice: HistoryEvent[], allEntityEvents: HistoryEvent[]): Promise<OperationActions> {
  const childAt = slice.findIndex((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  const childId = childAt >= 0 ? slice[childAt]!.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId ?? undefined : undefined;
  const childEvents = childId ? await fetchEvents(client, childId) : [];
  const waitAt = childEvents.findIndex((e) => e.timerStartedEventAttributes || e.workflowExecutionSignaledEventAttributes);
  const [beforeChild, afterChild] = childAt >= 0 ? [slice.slice(0, childAt), slice.slice(childAt)] : [slice, []];
  const [beforeWait, afterWait] = waitAt >= 0 ? [childEvents.slice(0, waitAt), childEvents.slice(waitAt)] : [childEvents, []];
  const entity = countActions(slice, allEntityEvents);
  const child = countActions(childEvents);
  return {
    type,
    entity,
    child,
    total: addCounts(entity, child),
    shape: {
      entityActivitiesBefore: countIf(beforeChild, isActivity),
      entityActivitiesAfter: countIf(afterChild, isActivity),
      entityUpsertsBefore: countIf(beforeChild, isUpsert),
      entityUpsertsAfter: countIf(afterChild, isUpsert),
      childActivitiesBefore: countIf(beforeWait, isActivity),
      childActivitiesAfter: countIf(afterWait, isActivity),
      childReadySignal: childEvents.some((e) => e.workflowExecutionSignaledEventAttributes),
      childTimers: countIf(childEvents, (e) => Boolean(e.timerStartedEventAttributes)),
    },
  };
}

export interface BillableResult {
  instanceId: string;
  operations: OperationActions[];
  lifecycle: ActionCounts;
  /** Activity attempts beyond the first (a retry is a billed attempt; zero delays should need none). */
  retries: number;
  target: number;
}

/** One full lifecycle through the API, one operation at a time, then its histories. */
export async function measureBillableActions(h: Harness): Promise<BillableResult> {
  let instanceId: string | undefined;
  for (const type of LIFECYCLE) {
    const requested = await request(h, type, instanceId);
    instanceId = requested.instanceId;
    const status = await untilFinalViaApi(h, requested);
    if (status !== 'succeeded') throw new Error(`billable-actions lifecycle: ${type} ended ${status}`);
  }
  // The entity closes after terminate; its history is complete.
  const entityId = `instance-${instanceId!}`;
  await h.client.workflow.getHandle(entityId).result();
  const events = await fetchEvents(h.client, entityId);
  const slices = sliceByOperation(events);
  if (slices.length !== LIFECYCLE.length) throw new Error(`expected ${LIFECYCLE.length} operations in ${entityId}'s history, found ${slices.length}`);
  const operations = await Promise.all(LIFECYCLE.map((type, i) => operationActions(h.client, type, slices[i]!, events)));
  const lifecycle = operations.reduce((sum, op) => addCounts(sum, op.total), zero());
  const scheduled = operations.reduce((n, op) => n + op.shape.entityActivitiesBefore + op.shape.entityActivitiesAfter + op.shape.childActivitiesBefore + op.shape.childActivitiesAfter, 0);
  return { instanceId: instanceId!, operations, lifecycle, retries: lifecycle.activityAttempts - scheduled, target: 60 };
}
