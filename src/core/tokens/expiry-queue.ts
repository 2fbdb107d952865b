/**
 * The token expiry queue: a binary min-heap of (expireTimeMs, idHash), rebuilt from storage on
 * initialize and fed on every create/renew. `revokeExpired()` pops due items on each tick — no
 * per-token timer. Items go stale when a token is renewed or revoked; the store re-reads the entry
 * when an item comes due, so a stale item is simply dropped (lazy deletion).
 */
export interface ExpiryItem {
  expireTimeMs: number;
  idHash: string;
}

export class ExpiryQueue {
  private readonly heap: ExpiryItem[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** Adds an item; O(log n). */
  push(item: ExpiryItem): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].expireTimeMs <= heap[i].expireTimeMs) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /** Removes and returns the earliest item if it is due at `nowMs`; otherwise undefined. */
  popDue(nowMs: number): ExpiryItem | undefined {
    const heap = this.heap;
    if (heap.length === 0 || heap[0].expireTimeMs > nowMs) return undefined;
    const top = heap[0];
    const last = heap.pop() as ExpiryItem;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left].expireTimeMs < heap[smallest].expireTimeMs) smallest = left;
        if (right < heap.length && heap[right].expireTimeMs < heap[smallest].expireTimeMs) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }

  /** Drops every item (before a rebuild). */
  clear(): void {
    this.heap.length = 0;
  }
}
