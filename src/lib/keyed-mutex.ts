/**
 * A per-key async mutex: operations on the same key run one at a time, operations on different
 * keys run in parallel. It makes read-modify-write over async storage atomic on this node: two
 * concurrent KV check-and-set writes cannot both succeed, 50 concurrent uses of a token can never
 * spend more than its `num_uses`. Not re-entrant: never take a key's lock while holding it.
 * Entries are dropped when their queue drains, so memory is bounded by keys in flight.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` after every earlier task for `key` has settled; returns its result. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Uncontended (the common case): no chain to build and nothing to wait for.
    const tail = previous === undefined ? current : previous.then(() => current);
    this.tails.set(key, tail);
    try {
      if (previous !== undefined) await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or queued (for tests and metrics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
