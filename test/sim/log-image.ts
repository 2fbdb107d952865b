/**
 * The content of one member's Raft log store as the simulator models it: what `LogStore` writes
 * that completed have left, with the semantics of `LevelLogStore` (src/storage/raft): a persisted
 * snapshot keeps the log only if the log holds the snapshot's last entry with the same term
 * (Raft §7), new entries first drop the conflicting suffix, compaction drops entries covered by the
 * snapshot, and a staged snapshot changes nothing visible. It is the in-memory simulated disk, the
 * model a real LevelDB store is checked against on every reopen, and the `LogView` the invariant
 * checker reads.
 */
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../../src/raft/types.js';
import type { LogView } from './cluster-node.js';
import type { DiskImage } from './sim-disk.js';
import { SimInvariantError } from './sim-state-machine.js';

/** One `LogStore` write. */
export type StoreOp =
  | { kind: 'persist'; update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot } }
  | { kind: 'compact'; index: number }
  | { kind: 'stage'; meta: SnapshotMeta; data: Uint8Array };

/** A log store's content after the writes applied to it (see the module comment). */
export class LogImage implements LogView {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: Snapshot | undefined;
  /** Stored entries in index order (possibly some at or below the snapshot, until compacted). */
  stored: Entry[] = [];

  constructor(private readonly owner: string) {}

  /** Applies one completed write. */
  apply(op: StoreOp): void {
    if (op.kind === 'stage') return;
    if (op.kind === 'compact') {
      this.stored = this.stored.filter((e) => e.index > op.index);
      return;
    }
    const { hardState, entries, snapshot } = op.update;
    if (snapshot !== undefined) {
      if (!this.holds(snapshot.meta.index, snapshot.meta.term)) this.stored = [];
      this.snapshot = snapshot;
    }
    const snapIndex = this.snapshotIndex;
    const fresh = (entries ?? []).filter((e) => e.index > snapIndex);
    if (fresh.length > 0) {
      const first = fresh[0].index;
      const kept = this.stored.filter((e) => e.index < first);
      const end = kept.length > 0 ? kept[kept.length - 1].index : snapIndex;
      if (first > Math.max(end, snapIndex) + 1) {
        throw new SimInvariantError(`${this.owner}: entries start at ${first} but the log ends at ${end}`);
      }
      this.stored = kept.concat(fresh);
    }
    if (hardState !== undefined) {
      if (hardState.commit < this.hardState.commit) {
        throw new SimInvariantError(
          `${this.owner}: persisted commit went back from ${this.hardState.commit} to ${hardState.commit}`,
        );
      }
      this.hardState = { ...hardState };
    }
  }

  /** What `LogStore.open` + `loadSnapshot` return after a restart. */
  image(): DiskImage {
    const snapIndex = this.snapshotIndex;
    return {
      hardState: { ...this.hardState },
      snapshot: this.snapshot,
      entries: this.stored.filter((e) => e.index > snapIndex),
    };
  }

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  firstIndex(): number {
    const after = this.snapshotIndex + 1;
    return this.stored.length > 0 ? Math.min(this.stored[0].index, after) : after;
  }

  lastIndex(): number {
    const last = this.stored.length > 0 ? this.stored[this.stored.length - 1].index : 0;
    return Math.max(last, this.snapshotIndex);
  }

  term(index: number): number {
    const entry = this.entry(index);
    if (entry !== undefined) return entry.term;
    if (index === this.snapshotIndex && this.snapshot !== undefined) return this.snapshot.meta.term;
    throw new RangeError(`${this.owner}: no entry ${index}`);
  }

  entries(lo: number, hi: number, _maxBytes: number): Entry[] {
    return this.stored.filter((e) => e.index >= lo && e.index < hi);
  }

  private entry(index: number): Entry | undefined {
    if (this.stored.length === 0) return undefined;
    const e = this.stored[index - this.stored[0].index];
    return e !== undefined && e.index === index ? e : undefined;
  }

  private holds(index: number, term: number): boolean {
    return this.entry(index)?.term === term;
  }
}
