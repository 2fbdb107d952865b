/**
 * A bounded worker pool over a list: at most `workers` calls of `fn` are in flight at once, items
 * are taken in order, and the first rejection is rethrown after every started call settled. Used
 * where many independent storage round trips (lease restore, expiry) would otherwise run one by
 * one and pay one sync each; bounded so a large backlog cannot flood the event loop or the engine.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  workers: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
