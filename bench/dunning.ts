// Billable actions of one dunning episode (issue 17): a Stripe subscription's instance goes past
// due, its grace period runs out, the entity suspends it, the customer pays, the entity
// unsuspends it. Driven only through the public Stripe webhook (signed as Stripe signs), on an API
// process of its own whose BILLING_PAST_DUE_GRACE is short; counted from the entity's history the
// way billable-actions.ts counts (Temporal Cloud's rules), from the past-due signal to the end,
// plus the suspend and unsuspend children. The point of the figure: the grace period is one
// durable timer — nothing happens in the history while it runs (no poll, no heartbeat, no task).
import { randomUUID } from 'node:crypto';
import { addCounts, countActions, fetchEvents, type ActionCounts } from './billable-actions';
import { forkChild, type Harness } from './harness';
import { nowMs, round, sleep } from './stats';
import { stripeSignatureHeader } from '../api/billing/stripe-signature';
import { freePort } from '../schema/embedded-postgres';

const STRIPE_SECRET = 'whsec_bench_secret_0123456789abcdef';

type HistoryEvent = Awaited<ReturnType<typeof fetchEvents>>[number];

export interface DunningResult {
  instanceId: string;
  graceMs: number;
  /** The whole episode: the entity's slice plus the suspend and unsuspend children. */
  episode: ActionCounts;
  entity: ActionCounts;
  children: { type: string; actions: ActionCounts }[];
  /** Entity activities of the episode by type (billing record, e-mail, reservations, read model). */
  entityActivities: Record<string, number>;
  /** TimerStarted events in the entity's slice: the grace period's cost. */
  graceTimers: number;
  /** History events between the grace timer's start and its firing (0: nothing polled). */
  eventsWhileWaiting: number;
  /** From the past-due webhook to the suspend's end, and the grace as configured. */
  pastDueToSuspendedSeconds: number;
  target: { graceTimers: number; eventsWhileWaiting: number };
}

export async function measureDunning(h: Harness, options: { graceMs: number }): Promise<DunningResult> {
  const port = await freePort();
  const api = await forkChild(
    'processes/api.ts',
    h.hostflowEnv({ API_PORT: String(port), STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET, BILLING_PAST_DUE_GRACE: `${options.graceMs}ms` }),
  );
  const apiUrl = `http://127.0.0.1:${api.ready.port ?? port}`;
  try {
    let created = Math.floor(Date.now() / 1000) - 60;
    const post = async (type: string, object: Record<string, unknown>) => {
      const raw = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type, created: (created += 1), data: { object } });
      const response = await fetch(`${apiUrl}/api/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignatureHeader(raw, STRIPE_SECRET, Math.floor(Date.now() / 1000)) },
        body: raw,
      });
      const body = (await response.json()) as { outcome?: string; instance_id?: string };
      if (response.status !== 200 || body.outcome !== 'applied') throw new Error(`Stripe ${type}: HTTP ${response.status} ${JSON.stringify(body)}`);
      return body;
    };
    const untilIdle = async (id: string, status: string, timeoutMs = 60_000) => {
      const deadline = nowMs() + timeoutMs;
      for (;;) {
        const answer = await h.signedRequest('GET', `${apiUrl}/api/instances/${id}`);
        if (answer.status === 200 && answer.body.status === status && answer.body.current_operation === null) return;
        if (nowMs() > deadline) throw new Error(`dunning: instance ${id} not ${status} after ${timeoutMs} ms (${answer.body?.status})`);
        await sleep(20);
      }
    };

    const subscription = `sub_bench_${randomUUID().slice(0, 8)}`;
    const hostname = `dunning-${randomUUID().slice(0, 8)}`;
    const activation = await post('checkout.session.completed', {
      id: `cs_${randomUUID().slice(0, 8)}`,
      object: 'checkout.session',
      mode: 'subscription',
      subscription,
      customer: 'cus_bench',
      metadata: { plan: 'starter', region: 'eu-frankfurt', hostname, email: `${hostname}@example.com` },
    });
    const instanceId = activation.instance_id!;
    await untilIdle(instanceId, 'running');

    const pastDueAt = nowMs();
    await post('invoice.payment_failed', { id: `in_${randomUUID().slice(0, 8)}`, object: 'invoice', subscription, status: 'open' });
    await untilIdle(instanceId, 'suspended', options.graceMs + 60_000);
    const pastDueToSuspendedSeconds = round((nowMs() - pastDueAt) / 1000, 2);
    await post('invoice.paid', { id: `in_${randomUUID().slice(0, 8)}`, object: 'invoice', subscription, status: 'paid' });
    await untilIdle(instanceId, 'running');

    const entityId = `instance-${instanceId}`;
    const events = await settledHistory(h, entityId);
    const from = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'billingEvent');
    if (from < 0) throw new Error(`dunning: no billingEvent signal in ${entityId}'s history`);
    const slice = events.slice(from);
    const entity = countActions(slice, events);
    const childIds = slice.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
    const children = await Promise.all(
      childIds.map(async (id) => ({ type: id.split('/').pop()!.replace(/-\d+$/, ''), actions: countActions(await fetchEvents(h.client, id)) })),
    );
    const episode = children.reduce((sum, c) => addCounts(sum, c.actions), entity);

    const entityActivities: Record<string, number> = {};
    for (const e of slice) {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (name) entityActivities[name] = (entityActivities[name] ?? 0) + 1;
    }
    const timerAt = slice.findIndex((e) => e.timerStartedEventAttributes);
    const firedAt = slice.findIndex((e) => e.timerFiredEventAttributes);
    return {
      instanceId,
      graceMs: options.graceMs,
      episode,
      entity,
      children,
      entityActivities,
      graceTimers: slice.filter((e) => e.timerStartedEventAttributes).length,
      eventsWhileWaiting: timerAt >= 0 && firedAt > timerAt ? firedAt - timerAt - 1 : -1,
      pastDueToSuspendedSeconds,
      target: { graceTimers: 1, eventsWhileWaiting: 0 },
    };
  } finally {
    await api.stop();
  }
}

/** The entity's history once it stopped growing and no activity is pending (the unsuspend's last read-model write is in). */
async function settledHistory(h: Harness, workflowId: string): Promise<HistoryEvent[]> {
  let previous = -1;
  for (let i = 0; i < 100; i += 1) {
    const events = await fetchEvents(h.client, workflowId);
    const description = await h.client.workflow.getHandle(workflowId).describe();
    const busy = (description.raw.pendingActivities?.length ?? 0) + (description.raw.pendingChildren?.length ?? 0);
    if (busy === 0 && events.length === previous) return events;
    previous = events.length;
    await sleep(100);
  }
  throw new Error(`dunning: ${workflowId}'s history kept growing`);
}
