/**
 * A simulated disk holding one node's Raft log store, with the failure model of LevelDB on a real
 * disk: a synced batch is durable only once its sync completes; writes made without sync (log
 * compaction deletes) ride along with the next sync and are lost — all or a prefix, in write
 * order — by a crash before it. A crash while a synced batch is in flight either loses it (the
 * torn record fails its checksum and is discarded on recovery) or keeps it (the write reached the
 * platter but the acknowledgement did not reach the process).
 */
import type { Entry, HardState, Snapshot } from '../../src/raft/types.js';
import type { Rng } from '../../src/lib/rng.js';
import { chance, intBetween } from './random.js';

/** One write to the log store (the LogStore.persist shape plus compaction). */
export interface DiskWrite {
  hardState?: HardState;
  entries?: Entry[];
  snapshot?: Snapshot;
  /** A snapshot the node took itself (log compaction): later entries stay. */
  savedSnapshot?: Snapshot;
  compactThroughIndex?: number;
}

/** What survives on the disk (what `LogStore.open` would return). */
export interface DiskImage {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

/** Counters the simulator reports. */
export interface DiskStats {
  syncs: number;
  tornBatches: number;
  keptUnackedBatches: number;
  lostUnsyncedWrites: number;
}

/** The durable image plus the in-flight synced batch and unsynced writes of one node. */
export class SimDisk {
  private readonly durable: DiskImage = {
    hardState: { term: 0, vote: '', commit: 0 },
    snapshot: undefined,
    entries: [],
  };
  private unsynced: DiskWrite[] = [];
  private inFlight: DiskWrite | undefined;
  readonly stats: DiskStats = { syncs: 0, tornBatches: 0, keptUnackedBatches: 0, lostUnsyncedWrites: 0 };

  /** A disk pre-formatted with a bootstrap image (initial members). */
  static formatted(image: DiskImage): SimDisk {
    const disk = new SimDisk();
    disk.apply({ hardState: image.hardState, snapshot: image.snapshot, entries: image.entries });
    return disk;
  }

  /** Starts a synced batch; it becomes durable at `completeSync` (or maybe not, on a crash). */
  beginSync(write: DiskWrite): void {
    if (this.inFlight !== undefined) throw new Error('SimDisk: one synced batch at a time');
    this.inFlight = write;
  }

  get syncInFlight(): boolean {
    return this.inFlight !== undefined;
  }

  /** The in-flight sync finished: it and every earlier unsynced write are durable. */
  completeSync(): void {
    if (this.inFlight === undefined) throw new Error('SimDisk: no sync in flight');
    for (const w of this.unsynced) this.apply(w);
    this.unsynced = [];
    this.apply(this.inFlight);
    this.inFlight = undefined;
    this.stats.syncs++;
  }

  /** A synced write that completes at once (used for snapshot saves, off the hot path). */
  syncNow(write: DiskWrite): void {
    this.beginSync(write);
    this.completeSync();
  }

  /** A write without sync (LevelDB's default): durable only with the next sync. */
  writeUnsynced(write: DiskWrite): void {
    this.unsynced.push(write);
  }

  /**
   * The process (or machine) dies. Unsynced writes survive only as a random prefix (WAL order);
   * an in-flight synced batch follows them in the WAL, so it can only have landed if they all did,
   * and then it is torn and discarded with probability `tearProbability`.
   */
  crash(rng: Rng, tearProbability: number): void {
    const total = this.unsynced.length;
    const survivors = total === 0 ? 0 : intBetween(rng, 0, total);
    for (let i = 0; i < survivors; i++) this.apply(this.unsynced[i]);
    this.stats.lostUnsyncedWrites += total - survivors;
    this.unsynced = [];
    if (this.inFlight !== undefined) {
      if (survivors === total && !chance(rng, tearProbability)) {
        this.apply(this.inFlight);
        this.stats.keptUnackedBatches++;
      } else {
        this.stats.tornBatches++;
      }
      this.inFlight = undefined;
    }
  }

  /** A copy of the durable image for a restart. */
  image(): DiskImage {
    return {
      hardState: { ...this.durable.hardState },
      snapshot: this.durable.snapshot,
      entries: this.durable.entries.slice(),
    };
  }

  private apply(write: DiskWrite): void {
    const image = this.durable;
    if (write.snapshot !== undefined) {
      const current = image.snapshot?.meta.index ?? 0;
      if (write.snapshot.meta.index > current) {
        // A received snapshot replaces the whole log (etcd MemoryStorage.ApplySnapshot).
        image.snapshot = write.snapshot;
        image.entries = [];
      }
    }
    if (write.savedSnapshot !== undefined) {
      const current = image.snapshot?.meta.index ?? 0;
      if (write.savedSnapshot.meta.index > current) image.snapshot = write.savedSnapshot;
    }
    if (write.entries !== undefined && write.entries.length > 0) {
      const first = write.entries[0].index;
      let keep = image.entries.length;
      while (keep > 0 && image.entries[keep - 1].index >= first) keep--;
      image.entries = image.entries.slice(0, keep).concat(write.entries);
    }
    if (write.hardState !== undefined) image.hardState = { ...write.hardState };
    if (write.compactThroughIndex !== undefined) {
      const through = write.compactThroughIndex;
      image.entries = image.entries.filter((e) => e.index > through);
    }
  }
}
