/** Options of `forEachConcurrently`. */
export interface ConcurrencyOptions {
  /** Items worked on at the same time. @default 4 */
  concurrency?: number;
  /** Stops taking new items; the call rejects with the signal's reason. @default undefined */
  signal?: AbortSignal;
}

/**
 * Runs `action` over `items`, at most `options.concurrency` (4) at a time. Stops taking new items
 * on the first failure or when the signal aborts, and rejects with that failure.
 */
export async function forEachConcurrently<Item>(
  items: readonly Item[],
  options: ConcurrencyOptions,
  action: (item: Item) => Promise<void>,
): Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      options.signal?.throwIfAborted();
      const item = items[next++] as Item;
      try {
        await action(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
