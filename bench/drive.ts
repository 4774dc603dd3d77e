// Drives Hostflow the way the billing system does: signed HTTP requests to the API, then waits
// for the operation's final status — through the API (GET …/operations/:id) when timing one
// operation, or straight from the read model when many are in flight, so that watching does not
// load the API it measures.
import type { Harness } from './harness';
import { nowMs, sleep } from './stats';
import { isFinalOperationStatus, type OperationType } from '../workflows/statuses';

/** The lifecycle every figure measures, the same since the first benchmark so figures compare across
 * runs (rebuild, password reset and snapshots are not part of it). */
export const LIFECYCLE: readonly OperationType[] = ['provision', 'suspend', 'unsuspend', 'resize', 'reboot', 'terminate'];

let serviceIds = 100_000 + Math.floor(Math.random() * 1_000_000) * 1000;
export const nextServiceId = () => (serviceIds += 1);

export function createBody(serviceId = nextServiceId()) {
  return {
    whmcs_service_id: serviceId,
    whmcs_client_id: 4242,
    email: `bench-${serviceId}@example.com`,
    plan: 'starter',
    region: 'eu-frankfurt',
    hostname: `bench-${serviceId}`,
  };
}

export interface Requested {
  instanceId: string;
  operationId: string;
}

/** Asks for one operation; provision creates the instance. */
export async function request(h: Harness, type: OperationType, instanceId?: string, apiUrl = h.apiUrl): Promise<Requested> {
  const base = `${apiUrl}/api/instances`;
  const answer =
    type === 'provision'
      ? await h.signedRequest('POST', base, createBody())
      : type === 'terminate'
        ? await h.signedRequest('DELETE', `${base}/${instanceId}`, {})
        : await h.signedRequest('POST', `${base}/${instanceId}/${type}`, type === 'resize' ? { plan: 'professional' } : {});
  if (answer.status !== 202) throw new Error(`${type}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return { instanceId: type === 'provision' ? answer.body.id : instanceId!, operationId: answer.body.operation.id };
}

/** Polls GET /api/instances/:id/operations/:op_id until the operation is final. */
export async function untilFinalViaApi(h: Harness, r: Requested, options: { intervalMs?: number; timeoutMs?: number } = {}): Promise<string> {
  const deadline = nowMs() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const answer = await h.signedRequest('GET', `${h.apiUrl}/api/instances/${r.instanceId}/operations/${r.operationId}`);
    const status = answer.status === 200 ? String(answer.body.status) : undefined;
    if (status && isFinalOperationStatus(status)) return status;
    if (nowMs() > deadline) throw new Error(`operation ${r.operationId} still ${status ?? `HTTP ${answer.status}`} after ${options.timeoutMs ?? 120_000} ms`);
    await sleep(options.intervalMs ?? 10);
  }
}

/**
 * One read-model query per tick for every operation in flight: the waiters of a throughput run
 * cost one small SELECT every `intervalMs`, however many there are.
 */
export class ReadModelWatcher {
  private readonly waiting = new Map<string, { resolve: (status: string) => void; reject: (error: Error) => void; deadline: number }>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly h: Harness, private readonly intervalMs = 20) {}

  untilFinal(operationId: string, timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.set(operationId, { resolve, reject, deadline: nowMs() + timeoutMs });
      this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const ids = [...this.waiting.keys()];
      if (ids.length === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      const rows = await this.h.sql<{ id: string; status: string }[]>`select id, status from operations where id in ${this.h.sql(ids)}`;
      for (const row of rows) {
        if (!isFinalOperationStatus(row.status)) continue;
        this.waiting.get(row.id)?.resolve(row.status);
        this.waiting.delete(row.id);
      }
      const now = nowMs();
      for (const [id, w] of this.waiting) {
        if (now > w.deadline) {
          w.reject(new Error(`operation ${id} not final in time`));
          this.waiting.delete(id);
        }
      }
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
