// What an operator sees of an entity in the Web UI: its search attributes (upserted only when they
// change — every upsert is a billable action on Temporal Cloud) and its current details.
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { InstanceState } from './instance-state';
import { SA_CUSTOMER_ID, SA_HEALTH, SA_INSTANCE_ID, SA_INSTANCE_STATUS, SA_OPERATION, SA_PLAN, SA_REGION } from './search-attributes';

export class OperatorView {
  // Set once at start by the API (or the entity that continued as new).
  private shownStatus = workflowInfo().typedSearchAttributes.get(SA_INSTANCE_STATUS);
  private shownOperation = workflowInfo().typedSearchAttributes.get(SA_OPERATION);
  private shownPlan = workflowInfo().typedSearchAttributes.get(SA_PLAN);
  private shownHealth = workflowInfo().typedSearchAttributes.get(SA_HEALTH);

  constructor(private readonly state: InstanceState) {}

  /** Upsert the attributes that changed (`operation`: the one running, '' for none), then refresh. */
  show(operation: string): void {
    const { state } = this;
    const updates: SearchAttributePair[] = [];
    if (this.shownStatus !== state.status) updates.push({ key: SA_INSTANCE_STATUS, value: (this.shownStatus = state.status) });
    if (this.shownOperation !== operation) updates.push({ key: SA_OPERATION, value: (this.shownOperation = operation) });
    if (this.shownPlan !== state.plan) updates.push({ key: SA_PLAN, value: (this.shownPlan = state.plan) });
    if (workflowInfo().typedSearchAttributes.get(SA_INSTANCE_ID) === undefined) {
      // Started without attributes (e.g. by hand from the CLI): add the identifying ones too.
      const { instance } = state;
      updates.push({ key: SA_INSTANCE_ID, value: instance.instanceId }, { key: SA_CUSTOMER_ID, value: instance.customerId }, { key: SA_REGION, value: instance.region });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
    this.refresh();
  }

  /** The health monitor's word, as `Health` (unset until the first change: most instances never have one). */
  showHealth(): void {
    const { health } = this.state.monitoring;
    if (health === 'unknown' || this.shownHealth === health) return;
    upsertSearchAttributes([{ key: SA_HEALTH, value: (this.shownHealth = health) }]);
    this.refresh();
  }

  /** The workflow's current details: one line of state, or what the operator must do. */
  refresh(): void {
    setCurrentDetails(this.describe());
  }

  private describe(): string {
    const { state } = this;
    if (state.attention) {
      const { request, error } = state.attention;
      return `NEEDS AN OPERATOR: ${request.type}-${request.seq} failed: ${error}\nRepair: signal "retry", "skip" or "abort" — README runbook, "Instance in attention".`;
    }
    const queued = state.queue.length ? `; queued: ${state.queue.map((q) => `${q.type}-${q.seq}`).join(', ')}` : '';
    const running = state.current ? `; running ${state.current.request.type}-${state.current.request.seq}` : '';
    const error = state.lastError ? `\nLast error: ${state.lastError}` : '';
    const billing = state.dunning.describe();
    const health = state.monitoring.health === 'unhealthy' ? ' · UNHEALTHY (README runbook, "Instance unhealthy")' : '';
    return `${state.status} · ${state.plan}${billing ? ` · ${billing}` : ''}${health}${running}${queued}${error}`;
  }
}
