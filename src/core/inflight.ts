/**
 * Counts requests being served behind the barrier so a seal can wait for them (Vault's state
 * lock): once sealing starts no new request gets in (503), and teardown runs only after the
 * requests already inside have finished, so none of them sees its runtime vanish half-way.
 */
export class InflightRequests {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Runs `work` as one in-flight request. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
      if (this.count === 0) this.wake();
    }
  }

  /** Resolves when no request is in flight. */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get size(): number {
    return this.count;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
