/**
 * etcd's MemoryStorage: an in-memory `RaftStorage` holding the persisted log image. The driver
 * appends to it after each durable write (and the simulator uses it as the node's "disk" image).
 * Index 0 of `ents` is a dummy entry carrying the snapshot's (index, term).
 */
import { assert } from '../lib/assert.js';
import { limitSize } from './raft-log.js';
import type { RaftStorage } from './ports.js';
import { EntryType, type ConfState, type Entry, type HardState, type Snapshot } from './types.js';

/** Thrown when asking for entries compacted into the snapshot. */
export class CompactedError extends Error {
  override name = 'CompactedError';
}

/** Thrown when asking for entries beyond the last index. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

const emptyData = new Uint8Array(0);

/** In-memory Raft storage (etcd MemoryStorage semantics). */
export class MemoryStorage implements RaftStorage {
  private hardStateValue: HardState = { term: 0, vote: '', commit: 0 };
  private snapshotValue: Snapshot = {
    meta: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: emptyData,
  };
  /** ents[0] is the dummy entry at the snapshot index. */
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: emptyData }];

  constructor(initial?: {
    hardState?: HardState;
    confState?: ConfState;
    snapshot?: Snapshot;
    entries?: Entry[];
  }) {
    if (initial?.snapshot) this.applySnapshot(initial.snapshot);
    if (initial?.confState) {
      this.snapshotValue = {
        ...this.snapshotValue,
        meta: { ...this.snapshotValue.meta, confState: cloneConf(initial.confState) },
      };
    }
    if (initial?.entries) this.append(initial.entries);
    if (initial?.hardState) this.setHardState(initial.hardState);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardStateValue }, confState: cloneConf(this.snapshotValue.meta.confState) };
  }

  /** Records the membership the node runs with (the driver sets it when applying conf changes). */
  setConfState(confState: ConfState): void {
    this.snapshotValue = {
      ...this.snapshotValue,
      meta: { ...this.snapshotValue.meta, confState: cloneConf(confState) },
    };
  }

  setHardState(hs: HardState): void {
    this.hardStateValue = { ...hs };
  }

  hardState(): HardState {
    return { ...this.hardStateValue };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError(`entries: ${lo} compacted (first ${offset + 1})`);
    if (hi > this.lastIndex() + 1)
      throw new UnavailableError(`entries: ${hi - 1} beyond last ${this.lastIndex()}`);
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number {
    const offset = this.ents[0].index;
    if (index < offset) throw new CompactedError(`term: ${index} compacted`);
    const e = this.ents[index - offset];
    if (!e) throw new UnavailableError(`term: ${index} unavailable`);
    return e.term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snapshotValue;
  }

  /** Replaces the contents with `snap` (older snapshots are refused). */
  applySnapshot(snap: Snapshot): void {
    const current = this.snapshotValue.meta.index;
    if (snap.meta.index < current)
      throw new CompactedError(`snapshot ${snap.meta.index} older than ${current}`);
    this.snapshotValue = {
      meta: { ...snap.meta, confState: cloneConf(snap.meta.confState) },
      data: snap.data,
    };
    this.ents = [{ term: snap.meta.term, index: snap.meta.index, type: EntryType.Normal, data: emptyData }];
  }

  /** Makes a snapshot at `index` (≤ last index) with the application's `data`. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const current = this.snapshotValue.meta.index;
    if (index <= current && current !== 0)
      throw new CompactedError(`snapshot ${index} not newer than ${current}`);
    assert(index <= this.lastIndex(), `createSnapshot: ${index} beyond last index ${this.lastIndex()}`);
    const offset = this.ents[0].index;
    const term = this.ents[index - offset].term;
    this.snapshotValue = { meta: { index, term, confState: cloneConf(confState) }, data };
    return this.snapshotValue;
  }

  /** Drops entries before `index` (they must be covered by a snapshot); `index` becomes the dummy. */
  compact(index: number): void {
    const offset = this.ents[0].index;
    if (index <= offset) return;
    assert(index <= this.lastIndex(), `compact: ${index} beyond last index ${this.lastIndex()}`);
    const i = index - offset;
    const dummy = this.ents[i];
    this.ents = [
      { term: dummy.term, index: dummy.index, type: EntryType.Normal, data: emptyData },
      ...this.ents.slice(i + 1),
    ];
  }

  /** Appends durable entries; a conflicting suffix (index ≥ first new index) is truncated first. */
  append(entries: Entry[]): void {
    const firstNew = entries[0];
    if (!firstNew) return;
    const first = this.firstIndex();
    const lastNew = firstNew.index + entries.length - 1;
    if (lastNew < first) return; // all compacted already
    let ents = entries;
    if (first > firstNew.index) ents = entries.slice(first - firstNew.index);
    const start = ents[0].index;
    const offset = start - this.ents[0].index;
    assert(offset <= this.ents.length, `append: gap (last ${this.lastIndex()}, new ${start})`);
    // Truncate any conflicting suffix in place, then append (amortised O(new entries)).
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of ents) this.ents.push(e);
  }
}

function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}
