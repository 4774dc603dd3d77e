// Run `work` over `items` with at most `limit` in flight, keeping the items' order in the answer.
// A sliding window rather than fixed batches: one slow item (a check that times out) holds up
// only its own slot, not the whole batch behind it.
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), items.length) }, worker));
  return results;
}
