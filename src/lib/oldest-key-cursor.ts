/**
 * The oldest-inserted key of a `Map`, found in amortised O(1), for bounded caches that evict
 * oldest-first.
 *
 * Why not `map.keys().next()`: a Map keeps a deleted entry's slot as a hole until it rehashes, and
 * a fresh iterator starts at the front and skips every hole there. A cache that evicts from the
 * front and inserts at the back leaves up to half its table as holes at the front, so each
 * eviction scanned thousands of slots: a full barrier read cache spent ~40 µs per two-key write on
 * it. A live iterator instead resumes where it stopped (V8 carries it across rehashes and
 * `clear()`), yields entries inserted after it was made, and skips deleted ones, so each hole is
 * passed once.
 *
 * Contract: the caller deletes each key `next()` returns before calling `next()` again (evicting
 * it). Everything the cursor has passed is then gone from the map, so the next live key is the
 * oldest one: a key deleted and set again counts as new, as with `keys().next()`.
 */
export class OldestKeyCursor<K> {
  private cursor: Iterator<K>;

  constructor(private readonly map: Map<K, unknown>) {
    this.cursor = map.keys();
  }

  /** The oldest key in the map, or undefined when it is empty. */
  next(): K | undefined {
    let step = this.cursor.next();
    if (step.done === true) {
      // An exhausted iterator stays exhausted even when keys are added later: start over.
      this.cursor = this.map.keys();
      step = this.cursor.next();
    }
    return step.done === true ? undefined : step.value;
  }
}
