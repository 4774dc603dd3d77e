// Versioning of the operation workflows through their input. Children live for minutes, so rather
// than a patch marker in each (every patch also upserts TemporalChangeVersion, a billable action
// per child), the entity decides once, behind its own patch, which revision each child runs and
// passes it in OperationInput.revision. A child started by an older entity has none: revision 1.
//
// Revision 2: the customer e-mail and the billing notice of an operation are sent at the same time
// (each is idempotent and neither needs the other), and terminate removes the DNS record before
// the server, so the name never points at an address Hetzner may hand to someone else.
//
// Revision 3: provider activities no longer write the read model (one writer per row); provision
// records the server and its DNS record through the records activity, a visible step, as soon as
// both exist; a terminate that cancels a provision waits for the create step in flight to end
// before the rollback runs (WAIT_CANCELLATION_COMPLETED), so nothing is created behind its back.
//
// Revision 4 (entity patch `operation-revision-4`), fewer billable actions per operation: the
// entity no longer runs a records activity for "operation started"; it passes the record in
// OperationInput.started and the child's first activity carries it (`recordFirst`, written by the
// worker's interceptor before the activity runs; operation-activities.ts says what happens when a
// child schedules none). The customer e-mail and the billing notice are one activity,
// notifyCustomerAndBilling (server-steps.ts), which sends both sides, each deduplicated on its own,
// and names the side that failed. sendEmail and notifyBilling stay registered: revision 1–3
// children still call them, and a failed provision's billing notice is still notifyBilling.
//
// Revision 5 (entity patch `operation-revision-5`): the entity no longer runs a records activity
// for an operation's success either. The child's last step, notifyCustomerAndBilling, carries the
// success record (`finished`, built by operation-end.ts from the child's outcome, with "started"
// to write first) and writes it once both notices are out; its answer says so (`recorded`), the
// child's outcome passes that on, and the entity skips its own write. A worker whose activity
// ignores the field answers without it, and the entity writes the record as before. Failures,
// attention and operator choices are still the entity's to write.
import type { OperationInput } from './domain';

export const CURRENT_REVISION = 5;

export const revisionOf = (input: Pick<OperationInput, 'revision'>): number => input.revision ?? 1;

/**
 * Run independent steps at once from revision 2 on, one after another before it. All of them end
 * before the first failure is thrown, so no activity is left running after its workflow failed
 * (an operator's "retry" then never races a straggler).
 */
export async function togetherFromRevision2(input: Pick<OperationInput, 'revision'>, steps: (() => Promise<unknown>)[]): Promise<void> {
  if (revisionOf(input) >= 2) {
    const settled = await Promise.allSettled(steps.map((step) => step()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return;
  }
  for (const step of steps) await step();
}
