/**
 * The driver's durable side (Raft §5, principle "persist before you speak"): opens the `LogStore`
 * into the core's synchronous `MemoryStorage` image, writes each Ready's hardState + entries +
 * snapshot in ONE synced batch before the image (and thus the core) counts them as stable, and
 * writes local snapshots and compaction. A commit-only HardState is not synced on its own (etcd's
 * MustSync=false): it rides along with the next synced batch.
 */
import { assert } from '../lib/assert.js';
import { MemoryStorage } from './memory-storage.js';
import type { LogStore } from './ports.js';
import type { ConfState, HardState, Ready, Snapshot, SnapshotMeta } from './types.js';

/** The log store and the core's in-memory image of it, kept in step. */
export class DurableLog {
  /** LogStore.persist calls so far. */
  persistCount = 0;
  private image: MemoryStorage | undefined;
  /** The last HardState written to the log store, and a commit-only one not yet written. */
  private durableHardState: HardState = { term: 0, vote: '', commit: 0 };
  private deferredHardState: HardState | undefined;

  constructor(private readonly logStore: LogStore) {}

  /** The core's storage image (after `open`). */
  get storage(): MemoryStorage {
    assert(this.image !== undefined, 'DurableLog: open() first');
    return this.image;
  }

  /**
   * Opens the store. An empty store with a `bootstrap` membership becomes a new cluster: the
   * membership is written as a snapshot at index 1, term 1 (data from `initialData`), so every
   * member, and any later joiner via that snapshot, agrees on where the log starts.
   */
  async open(
    bootstrap: ConfState | undefined,
    initialData: () => Uint8Array | Promise<Uint8Array>,
  ): Promise<Snapshot | undefined> {
    const persisted = await this.logStore.open();
    let snapshot = await this.logStore.loadSnapshot();
    let hardState = persisted.hardState;
    const empty = snapshot === undefined && persisted.entries.length === 0 && hardState.term === 0;
    if (empty && bootstrap !== undefined) {
      snapshot = { meta: { index: 1, term: 1, confState: bootstrap }, data: await initialData() };
      hardState = { term: 1, vote: '', commit: 1 };
      await this.logStore.persist({ hardState, snapshot });
      this.persistCount++;
    }
    this.durableHardState = hardState;
    this.image = new MemoryStorage({
      hardState,
      confState: snapshot?.meta.confState ?? { voters: [], learners: [] },
      ...(snapshot !== undefined ? { snapshot } : {}),
      entries: persisted.entries,
    });
    return snapshot;
  }

  /** Makes a Ready's hardState, entries and snapshot durable (one synced batch), then visible. */
  async persistReady(rd: Ready): Promise<void> {
    const storage = this.storage;
    const hs = rd.hardState;
    const commitOnly =
      hs !== undefined &&
      rd.entries.length === 0 &&
      rd.snapshot === undefined &&
      hs.term === this.durableHardState.term &&
      hs.vote === this.durableHardState.vote;
    if (commitOnly) {
      // Only the commit index moved: nothing anyone relies on becomes durable here (a restarted
      // member relearns commit from the leader), so it rides along with the next synced batch
      // instead of costing an fsync on the commit path.
      this.deferredHardState = hs;
      storage.setHardState(hs);
      return;
    }
    if (hs === undefined && rd.entries.length === 0 && rd.snapshot === undefined) return;
    const hardState = hs ?? this.deferredHardState;
    await this.logStore.persist({
      ...(hardState !== undefined ? { hardState } : {}),
      ...(rd.entries.length > 0 ? { entries: rd.entries } : {}),
      ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
    });
    this.persistCount++;
    if (hardState !== undefined) this.durableHardState = hardState;
    this.deferredHardState = undefined;
    if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) storage.append(rd.entries);
    if (hs !== undefined) storage.setHardState(hs);
  }

  /**
   * Makes a built snapshot's data durable off the driver's loop when the log store can
   * (`LogStore.stageSnapshot`), so the in-loop `snapshotAndCompact` writes only metadata and a
   * large state never holds up heartbeats. A no-op for stores without staging.
   */
  async stageSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    await this.logStore.stageSnapshot?.(meta, data);
  }

  /**
   * Writes a local snapshot at applied `index`, then compacts the log up to `trailingEntries`
   * behind it (kept so slow followers catch up without a snapshot).
   */
  async snapshotAndCompact(
    index: number,
    confState: ConfState,
    data: Uint8Array,
    trailingEntries: number,
  ): Promise<void> {
    const storage = this.storage;
    const snapshot = storage.createSnapshot(index, confState, data);
    // The commit index goes with the snapshot, so a restart never finds commit < snapshot index.
    const hardState = this.deferredHardState;
    await this.logStore.persist({ snapshot, ...(hardState !== undefined ? { hardState } : {}) });
    if (hardState !== undefined) this.durableHardState = hardState;
    this.deferredHardState = undefined;
    this.persistCount++;
    const through = index - trailingEntries;
    if (through >= storage.firstIndex()) {
      storage.compact(through);
      await this.logStore.compact(through);
    }
  }

  /** Closes the log store. */
  close(): Promise<void> {
    return this.logStore.close();
  }
}
