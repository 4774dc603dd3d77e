// Hetzner actions: created 'running', finished after actionDurationMs. A server with a running
// action is locked, which is what makes a second action answer 423 like the real API.

import type { Scheduler } from '../scheduler';
import type { ActionRecord, Store } from '../store';

export interface StartOptions {
  command: string;
  resources: Array<{ id: number; type: string }>;
  /** Runs when the action finishes; may return an error to fail the action instead. */
  onFinish?: () => { code: string; message: string } | void;
  /** Wait for another action to finish first (next_actions of a create). */
  startWhen?: 'now' | 'manual';
  /** Resource types this action locks; default all. A firewall action locks its firewall, not the servers it touches. */
  locks?: string[];
}

export class ActionEngine {
  constructor(
    private readonly store: Store,
    private readonly scheduler: Scheduler,
    private readonly durationMs: number,
  ) {}

  create(opts: StartOptions): ActionRecord {
    const action: ActionRecord = {
      id: this.store.actionId(),
      command: opts.command,
      status: 'running',
      progress: 0,
      started: new Date().toISOString(),
      finished: null,
      resources: opts.resources,
      error: null,
      locks: opts.locks ?? null,
    };
    this.store.actions.set(action.id, action);
    if (opts.startWhen !== 'manual') this.run(action, opts.onFinish);
    return action;
  }

  /** Let a 'manual' action run its course now. */
  run(action: ActionRecord, onFinish?: StartOptions['onFinish']): void {
    this.scheduler.after(this.durationMs, () => {
      // reset() may have dropped the action meanwhile.
      if (this.store.actions.get(action.id) !== action) return;
      const err = onFinish?.();
      action.progress = 100;
      action.finished = new Date().toISOString();
      action.status = err ? 'error' : 'success';
      action.error = err ?? null;
    });
  }

  /** Whether a running action holds this resource (what makes the API answer 423 locked). */
  isLocked(id: number, type = 'server'): boolean {
    for (const a of this.store.actions.values()) {
      if (a.status !== 'running' || (a.locks && !a.locks.includes(type))) continue;
      if (a.resources.some((r) => r.type === type && r.id === id)) return true;
    }
    return false;
  }
}

/** Sort fields of every action list (`sort=status&sort=id`, as hcloud-go's WaitFor asks). */
export const ACTION_SORT = {
  id: (a: { id: number }) => a.id,
  command: (a: { command: string }) => a.command,
  status: (a: { status: string }) => a.status,
  progress: (a: { progress: number }) => a.progress,
  started: (a: { started: string }) => a.started,
  finished: (a: { finished: string | null }) => a.finished ?? '',
};
