/**
 * An in-memory `LogStore` for driver tests and in-process clusters: the LogStore contract (one
 * atomic persist per call, suffix truncation, snapshots, compaction) without a disk. It counts
 * persist calls so tests can check group commit, and can add a per-persist delay.
 */
import type { LogStore, PersistedState } from '../../src/raft/ports.js';
import type { Entry, HardState, Snapshot } from '../../src/raft/types.js';

/** LogStore held in memory; survives `close()`/`open()` like a disk would (same instance). */
export class MemoryLogStore implements LogStore {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  persistCount = 0;
  private opened = false;

  constructor(private readonly persistDelayMs = 0) {}

  async open(): Promise<PersistedState> {
    this.opened = true;
    return {
      hardState: { ...this.hardState },
      snapshotMeta: this.snapshot?.meta,
      entries: this.entries.slice(),
    };
  }

  async persist(update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void> {
    if (!this.opened) throw new Error('MemoryLogStore: persist before open');
    if (this.persistDelayMs > 0) await new Promise((r) => setTimeout(r, this.persistDelayMs));
    else await new Promise((r) => setImmediate(r));
    this.persistCount++;
    if (update.snapshot !== undefined && update.snapshot.meta.index > (this.snapshot?.meta.index ?? 0)) {
      this.snapshot = update.snapshot;
      const through = update.snapshot.meta.index;
      this.entries = this.entries.filter((e) => e.index > through);
    }
    if (update.entries !== undefined && update.entries.length > 0) {
      const first = update.entries[0].index;
      this.entries = this.entries.filter((e) => e.index < first).concat(update.entries);
    }
    if (update.hardState !== undefined) this.hardState = { ...update.hardState };
  }

  async compact(index: number): Promise<void> {
    this.entries = this.entries.filter((e) => e.index > index);
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    return this.snapshot;
  }

  async close(): Promise<void> {
    this.opened = false;
  }
}
