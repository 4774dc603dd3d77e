// Small numeric helpers shared by the figures.

/** Nearest-rank percentile of `values` (ms or any unit); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : Number.NaN),
    mean: round(mean),
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 2) : Number.NaN;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const nowMs = () => performance.now();

/**
 * Runs `concurrency` closed loops of `iteration` (each starts its next as soon as one ends) and
 * counts iterations that finish inside the measuring window after a warm-up; waits for the
 * in-flight ones before returning, so the next measurement starts on a quiet system.
 */
export async function closedLoop(options: {
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  iteration: (loop: number) => Promise<void>;
}): Promise<{ completed: number; seconds: number; perSecond: number; latenciesMs: number[]; errors: number; firstError?: string }> {
  const start = nowMs();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.measureMs;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latenciesMs: number[] = [];
  const loops = Array.from({ length: options.concurrency }, async (_, loop) => {
    while (nowMs() < windowEnd) {
      const began = nowMs();
      try {
        await options.iteration(loop);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        await sleep(50); // a failing system must not be hammered in a tight loop
        continue;
      }
      const ended = nowMs();
      if (ended >= windowStart && ended <= windowEnd) {
        completed += 1;
        latenciesMs.push(ended - began);
      }
    }
  });
  await Promise.all(loops);
  const seconds = options.measureMs / 1000;
  return { completed, seconds, perSecond: round(completed / seconds, 2), latenciesMs, errors, firstError };
}
