/**
 * The insertion order of a bounded cache's keys, so the oldest key is found in amortised O(1).
 *
 * Why not `map.keys().next()`: a Map keeps a deleted entry's slot as a hole until it rehashes, and
 * a fresh iterator starts at the front and skips every hole there. A cache that evicts from the
 * front and inserts at the back leaves up to half its table as holes at the front, so each
 * eviction scanned thousands of slots: a full barrier read cache spent ~40 µs per two-key write on
 * it. Why not one long-lived Map iterator either: an iterator that has not advanced keeps the
 * Map's obsolete tables alive after a rehash, and with them every value deleted since (measured:
 * 200 MB of deleted 1 KiB buffers kept by one idle iterator).
 *
 * So the order is kept here, explicitly: a queue of (key, stamp) in insertion order and the live
 * stamp of each key. A key deleted or set again leaves a stale queue item, skipped when it reaches
 * the front; the queue is compacted when stale items exceed a quarter of the live ones, so it stays within
 * about 1.25 times the cache's size and holds keys only (never values).
 *
 * `EvictionMap` is a Map that keeps this order itself, so a cache cannot forget to record an
 * insert or a delete: bounded caches use it and evict `oldestKey()`.
 */

/** The queue of (key, stamp) and each present key's stamp; driven only by EvictionMap. */
class EvictionOrder<K> {
  private queueKeys: (K | undefined)[] = [];
  private queueStamps: number[] = [];
  private head = 0;
  private readonly stampOf = new Map<K, number>();
  private lastStamp = 0;

  /** `key` was inserted (it was absent): it is now the newest. */
  added(key: K): void {
    const stamp = ++this.lastStamp;
    this.stampOf.set(key, stamp);
    this.queueKeys.push(key);
    this.queueStamps.push(stamp);
    // Rebuild when stale items exceed a quarter of the live ones (each stale item holds a key
    // string the map may have let go), or when the consumed front is most of the arrays.
    const stale = this.queueKeys.length - this.head - this.stampOf.size;
    if (stale > (this.stampOf.size >> 2) + 64 || (this.head > 1024 && 2 * this.head > this.queueKeys.length))
      this.compact();
  }

  /** `key` was deleted. */
  removed(key: K): void {
    this.stampOf.delete(key);
  }

  /** Everything was deleted. */
  clear(): void {
    this.stampOf.clear();
    this.queueKeys = [];
    this.queueStamps = [];
    this.head = 0;
  }

  /** The oldest key present, or undefined when there is none (stale items passed are dropped). */
  next(): K | undefined {
    while (this.head < this.queueKeys.length) {
      // Only items from the head on are read, and those are never cleared.
      const key = this.queueKeys[this.head] as K;
      if (this.stampOf.get(key) === this.queueStamps[this.head]) return key;
      this.queueKeys[this.head] = undefined; // let the key string go now, not at the next compaction
      this.head += 1;
    }
    return undefined;
  }

  /** Keeps only live items, in order (amortised against the stale items that caused it). */
  private compact(): void {
    const keys: (K | undefined)[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.queueKeys.length; i++) {
      const key = this.queueKeys[i] as K;
      const stamp = this.queueStamps[i];
      if (this.stampOf.get(key) === stamp) {
        keys.push(key);
        stamps.push(stamp);
      }
    }
    this.queueKeys = keys;
    this.queueStamps = stamps;
    this.head = 0;
  }
}

/**
 * A Map in insertion order whose oldest key is found in amortised O(1) (`oldestKey`): setting a
 * present key keeps its place, deleting and setting it again makes it the newest, as in a Map.
 */
export class EvictionMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly order = new EvictionOrder<K>();

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    const present = this.map.has(key);
    this.map.set(key, value);
    if (!present) this.order.added(key);
  }

  /** Deletes `key`; true when it was present. */
  delete(key: K): boolean {
    if (!this.map.delete(key)) return false;
    this.order.removed(key);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.order.clear();
  }

  /** The oldest-inserted key present, or undefined when empty. */
  oldestKey(): K | undefined {
    return this.order.next();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
