/**
 * A per-key async mutex. Token mutations (consuming a use, renewing, revoking, creating a child
 * under a parent) are read-modify-write over async storage; holding the token's lock makes each
 * one atomic with respect to the others on this node, so e.g. 50 concurrent requests can never
 * spend more than `num_uses`. Not re-entrant: never take a key's lock while holding it.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` has finished; releases even if `fn` throws. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with a holder or waiters (for tests: it returns to 0 when idle). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
