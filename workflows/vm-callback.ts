// Waiting for a new (or rebuilt) VPS to report in: its cloud-init calls back `ready` once the
// gateway answers, or `failed` with a short reason, which fails the operation at once instead of
// after the whole timeout.
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { ReadyPayload, VmFailure } from './domain';
import { FailureType } from './failure-types';
import { readySignal, vmFailedSignal } from './messages';
import { minutes } from './summaries';

export interface VmCallback {
  /** What the VPS said so far (a retry of a provision reads it). */
  readonly ready: ReadyPayload | undefined;
  /** Wait up to `timeoutMs`; throws ReadyTimeout or VmReportedFailure. `server` names it for operators. */
  wait(timeoutMs: number, server: string): Promise<ReadyPayload>;
}

/** Call at the start of the workflow, so a callback that arrives early is not lost. */
export function listenForVm(): VmCallback {
  let ready: ReadyPayload | undefined;
  let failure: VmFailure | undefined;
  setHandler(readySignal, (payload) => {
    ready ??= payload;
  });
  setHandler(vmFailedSignal, (payload) => {
    failure ??= payload;
  });
  return {
    get ready() {
      return ready;
    },
    async wait(timeoutMs, server) {
      const answered = await condition(() => ready !== undefined || failure !== undefined, timeoutMs, { summary: `wait for ready, ${minutes(timeoutMs)}` });
      if (ready !== undefined) return ready;
      if (failure !== undefined) {
        throw ApplicationFailure.create({ type: FailureType.VmReportedFailure, nonRetryable: true, message: `${server} reported that its install failed: ${failure.reason}` });
      }
      if (!answered) {
        throw ApplicationFailure.create({
          type: FailureType.ReadyTimeout,
          nonRetryable: true,
          message: `${server} did not call back ready within ${minutes(timeoutMs)}: cloud-init failed or the VPS cannot reach the API.`,
        });
      }
      return ready ?? {};
    },
  };
}
