/**
 * The expiration manager's index: an indexed binary min-heap of (dueWallMs, id, kind) with a
 * position map, so set (insert or move, on register and renew), remove (revoke) and popDue (tick)
 * are O(log n) and peeking the next due item is O(1). A tick therefore costs O(due · log n), never a
 * scan of every item, and memory is one heap slot plus one map entry per item. `kind` is a small
 * integer tag the caller gives each item (lease or token: ./expiration.ts); ids are unique across
 * kinds.
 */
export class ExpiryIndex {
  private readonly ids: string[] = [];
  private readonly dues: number[] = [];
  private readonly kinds: number[] = [];
  private readonly positions = new Map<string, number>();
  private readonly perKind: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** How many indexed items carry `kind`. */
  countOf(kind: number): number {
    return this.perKind[kind] ?? 0;
  }

  /** The kind `id` was indexed with, or undefined when it is not indexed. */
  kindOf(id: string): number | undefined {
    const at = this.positions.get(id);
    return at === undefined ? undefined : this.kinds[at];
  }

  has(id: string): boolean {
    return this.positions.has(id);
  }

  /** The due time of `id`, or undefined when it is not indexed. */
  dueOf(id: string): number | undefined {
    const at = this.positions.get(id);
    return at === undefined ? undefined : this.dues[at];
  }

  /** Inserts `id` (tagged `kind`) due at `dueWallMs`, or moves it there when already indexed. */
  set(id: string, dueWallMs: number, kind = 0): void {
    const at = this.positions.get(id);
    if (at === undefined) {
      this.ids.push(id);
      this.dues.push(dueWallMs);
      this.kinds.push(kind);
      this.perKind[kind] = this.countOf(kind) + 1;
      this.positions.set(id, this.ids.length - 1);
      this.up(this.ids.length - 1);
      return;
    }
    const before = this.dues[at];
    this.dues[at] = dueWallMs;
    if (this.kinds[at] !== kind) {
      this.perKind[this.kinds[at]] -= 1;
      this.kinds[at] = kind;
      this.perKind[kind] = this.countOf(kind) + 1;
    }
    if (dueWallMs < before) this.up(at);
    else this.down(at);
  }

  /** Removes `id`; false when it was not indexed. */
  remove(id: string): boolean {
    const at = this.positions.get(id);
    if (at === undefined) return false;
    this.removeAt(at);
    return true;
  }

  /** The earliest due time, or undefined when empty. */
  peekDueWallMs(): number | undefined {
    return this.dues.length === 0 ? undefined : this.dues[0];
  }

  /** Removes and returns the earliest id if it is due (`due <= nowWallMs`); otherwise undefined. */
  popDue(nowWallMs: number): string | undefined {
    return this.popDueItem(nowWallMs)?.id;
  }

  /** As `popDue`, with the item's kind. */
  popDueItem(nowWallMs: number): { id: string; kind: number } | undefined {
    if (this.ids.length === 0 || this.dues[0] > nowWallMs) return undefined;
    const item = { id: this.ids[0], kind: this.kinds[0] };
    this.removeAt(0);
    return item;
  }

  /** Every indexed id (any order): prefix revocation and listing use it. */
  keys(): IterableIterator<string> {
    return this.positions.keys();
  }

  clear(): void {
    this.ids.length = 0;
    this.dues.length = 0;
    this.kinds.length = 0;
    this.perKind.length = 0;
    this.positions.clear();
  }

  private removeAt(at: number): void {
    const last = this.ids.length - 1;
    this.positions.delete(this.ids[at]);
    this.perKind[this.kinds[at]] -= 1;
    if (at !== last) {
      this.ids[at] = this.ids[last];
      this.dues[at] = this.dues[last];
      this.kinds[at] = this.kinds[last];
      this.positions.set(this.ids[at], at);
    }
    this.ids.pop();
    this.dues.pop();
    this.kinds.pop();
    if (at < this.ids.length) {
      this.up(at);
      this.down(at);
    }
  }

  private up(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.dues[parent] <= this.dues[i]) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(start: number): void {
    let i = start;
    const n = this.ids.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.dues[left] < this.dues[smallest]) smallest = left;
      if (right < n && this.dues[right] < this.dues[smallest]) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a];
    const due = this.dues[a];
    const kind = this.kinds[a];
    this.ids[a] = this.ids[b];
    this.dues[a] = this.dues[b];
    this.kinds[a] = this.kinds[b];
    this.ids[b] = id;
    this.dues[b] = due;
    this.kinds[b] = kind;
    this.positions.set(this.ids[a], a);
    this.positions.set(this.ids[b], b);
  }
}
