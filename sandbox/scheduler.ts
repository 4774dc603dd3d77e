// Every timer the sandbox starts goes through here, so reset() and close() can cancel them all
// and jest exits without open handles.

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private readonly sleepers = new Set<() => void>();
  /** Bumped by cancelAll(): work started under an older generation must stop. */
  generation = 0;

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  /**
   * Resolves true after `ms`, or false at once on cancelAll(), so a delayed request never hangs
   * forever and a retry loop knows to stop.
   */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (completed: boolean) => {
        this.sleepers.delete(cancel);
        resolve(completed);
      };
      const cancel = () => wake(false);
      this.sleepers.add(cancel);
      this.after(ms, () => wake(true));
    });
  }

  /** An AbortSignal that cancelAll() aborts: outgoing calls must not outlive the sandbox. */
  signal(): { signal: AbortSignal; done: () => void } {
    const ac = new AbortController();
    this.aborts.add(ac);
    return { signal: ac.signal, done: () => this.aborts.delete(ac) };
  }

  cancelAll(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ac of this.aborts) ac.abort();
    this.aborts.clear();
    for (const cancel of [...this.sleepers]) cancel();
  }
}
