// Every timer the sandbox starts goes through here, so reset() and close() can cancel them all
// and jest exits without open handles.

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** An AbortSignal that cancelAll() aborts: outgoing calls must not outlive the sandbox. */
  signal(): { signal: AbortSignal; done: () => void } {
    const ac = new AbortController();
    this.aborts.add(ac);
    return { signal: ac.signal, done: () => this.aborts.delete(ac) };
  }

  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ac of this.aborts) ac.abort();
    this.aborts.clear();
  }
}
