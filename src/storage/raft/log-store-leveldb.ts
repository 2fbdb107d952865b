/**
 * The durable Raft `LogStore` on LevelDB (one database directory per node, separate from the FSM).
 *
 * `persist` is ONE synced batch: a snapshot (replacing the whole log unless the log holds the
 * snapshot's last entry with the same term — Raft §7), then new entries (first deleting every
 * stored entry ≥ the first new index: the conflicting suffix), then the HardState.
 *
 * `open` checks every record's checksum, and ANY damaged entry — at the tail too — is fatal
 * (`integrity_failure` naming the index and what the operator can do), as are a gap and a damaged
 * HardState or snapshot. LevelDB batches are atomic (its own WAL recovery discards a batch torn by
 * a crash), so a record that fails its checksum was damaged after it was written, not half-written.
 * Nothing can prove such an entry unacknowledged: a follower acknowledges an entry once it is
 * persisted, whatever the HardState's commit index says, so a leader may count this node's copy
 * toward a commit. Dropping it could silently lose a write the cluster acknowledged.
 *
 * Calls are serialised internally (the port lets the caller do it; this is a cheap guard), except
 * the bulk write of `stageSnapshot`: it fills the free data slot while `persist` keeps going, and
 * only its slot choice is serialised (a snapshot persisted without staging waits for a stage in
 * progress, since both would write the free slot).
 */
import { Level } from 'level';
import { assert } from '../../lib/assert.js';
import { ArcaError } from '../../lib/errors.js';
import type { LogStore, PersistedState } from '../../raft/ports.js';
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../../raft/types.js';
import {
  decodeEntry,
  decodeHardState,
  decodeSnapshotData,
  decodeSnapshotMeta,
  encodeEntry,
  encodeHardState,
  encodeSnapshotData,
  encodeSnapshotMeta,
  entryKey,
  entryKeyEnd,
  entryKeyMin,
  hardStateKey,
  indexOfEntryKey,
  snapshotDataSlotKeys,
  snapshotMetaKey,
} from './log-codec.js';

type Db = Level<Uint8Array, Uint8Array>;
type Op = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/** Counters for tests and benchmarks. */
export interface LevelLogStoreCounters {
  /** Synced batches written. */
  syncs: number;
}

const emptyHardState: HardState = { term: 0, vote: '', commit: 0 };

/** Durable Raft log on LevelDB; see the module comment. */
export class LevelLogStore implements LogStore {
  private syncs = 0;
  private opened = false;
  /** Lowest and highest entry index stored on disk; 0/0 when none. */
  private storedFirst = 0;
  private storedLast = 0;
  private snapshotMeta: SnapshotMeta | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  /** The data slot holding the current snapshot's data. */
  private dataSlot: 0 | 1 = 0;
  /** A snapshot whose data was staged in the free slot, and the stage write in progress. */
  private staged: { meta: SnapshotMeta; slot: 0 | 1 } | undefined;
  private staging: Promise<void> = Promise.resolve();
  /** The data `open` read to find the current slot, handed to the first `loadSnapshot`. */
  private openedSnapshot: Snapshot | undefined;

  private constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {}

  /** Opens (creating if missing) the log database in directory `path`; then call `open()`. */
  static async open(path: string): Promise<LevelLogStore> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return new LevelLogStore(db, path);
  }

  /** A snapshot of the counters. */
  get counters(): LevelLogStoreCounters {
    return { syncs: this.syncs };
  }

  /** Loads and checks everything; refuses (`integrity_failure`) any damage (see the module comment). */
  open(): Promise<PersistedState> {
    return this.serially(async () => {
      const hardStateRecord = await this.db.get(hardStateKey);
      const hardState =
        hardStateRecord === undefined ? { ...emptyHardState } : decodeHardState(hardStateRecord);
      if (hardState === undefined) throw fatal('the stored HardState is damaged');
      const metaRecord = await this.db.get(snapshotMetaKey);
      const snapshotMeta = metaRecord === undefined ? undefined : decodeSnapshotMeta(metaRecord);
      if (metaRecord !== undefined && snapshotMeta === undefined)
        throw fatal('the stored snapshot metadata is damaged');

      const entries = await this.scanEntries(hardState, snapshotMeta?.index ?? 0);
      if (snapshotMeta !== undefined) await this.findDataSlot(snapshotMeta);
      this.snapshotMeta = snapshotMeta;
      this.opened = true;
      return { hardState, snapshotMeta, entries };
    });
  }

  persist(update: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void> {
    return this.serially(async () => {
      assert(this.opened, 'LevelLogStore.persist before open()');
      const ops: Op[] = [];
      let first = this.storedFirst;
      let last = this.storedLast;
      let snapshotIndex = this.snapshotMeta?.index ?? 0;
      let dataSlot = this.dataSlot;

      const { snapshot } = update;
      if (snapshot !== undefined) {
        const { meta } = snapshot;
        assert(
          meta.index >= snapshotIndex,
          `snapshot ${meta.index} is older than the stored ${snapshotIndex}`,
        );
        if (!(await this.holdsEntry(meta.index, meta.term))) {
          // Raft §7: the log does not contain the snapshot's last entry, so it is discarded whole.
          for (let i = first; last !== 0 && i <= last; i++) ops.push({ type: 'del', key: entryKey(i) });
          first = 0;
          last = 0;
        }
        const staged = this.staged;
        const wasStaged =
          staged !== undefined && staged.meta.index === meta.index && staged.meta.term === meta.term;
        // A stage in progress writes the free slot this snapshot's data would go to.
        if (!wasStaged) await this.staging;
        dataSlot = wasStaged ? staged.slot : otherSlot(this.dataSlot);
        ops.push({ type: 'put', key: snapshotMetaKey, value: encodeSnapshotMeta(meta) });
        if (!wasStaged)
          ops.push({
            type: 'put',
            key: snapshotDataSlotKeys[dataSlot],
            value: encodeSnapshotData(meta, snapshot.data),
          });
        ops.push({ type: 'del', key: snapshotDataSlotKeys[otherSlot(dataSlot)] });
        snapshotIndex = meta.index;
      }

      const entries = (update.entries ?? []).filter((e) => e.index > snapshotIndex);
      if (entries.length > 0) {
        const start = entries[0].index;
        const logEnd = Math.max(last, snapshotIndex);
        assert(start <= logEnd + 1, `entries start at ${start} but the log ends at ${logEnd}`);
        entries.forEach((e, i) => assert(e.index === start + i, 'entries must be contiguous'));
        // The conflicting suffix: every stored entry at or after the first new index.
        for (let i = Math.max(start, first); last !== 0 && i <= last; i++)
          ops.push({ type: 'del', key: entryKey(i) });
        for (const e of entries) ops.push({ type: 'put', key: entryKey(e.index), value: encodeEntry(e) });
        if (last === 0 || first > start) first = start;
        last = entries[entries.length - 1].index;
      }

      if (update.hardState !== undefined) {
        ops.push({ type: 'put', key: hardStateKey, value: encodeHardState(update.hardState) });
      }
      if (ops.length === 0) return;
      await this.write(ops);
      this.storedFirst = first;
      this.storedLast = last;
      if (snapshot !== undefined) {
        this.snapshotMeta = snapshot.meta;
        this.dataSlot = dataSlot;
        this.staged = undefined;
        this.openedSnapshot = undefined;
      }
    });
  }

  /**
   * Writes `data` for the snapshot `meta` durably into the free data slot (see the module comment
   * and `LogStore.stageSnapshot`). The stored snapshot is unchanged until `persist` names `meta`.
   */
  stageSnapshot(meta: SnapshotMeta, data: Uint8Array): Promise<void> {
    const started = this.serially(async () => {
      assert(this.opened, 'LevelLogStore.stageSnapshot before open()');
      const slot = otherSlot(this.dataSlot);
      this.staged = undefined;
      const write = (async () => {
        await this.staging;
        await this.db.put(snapshotDataSlotKeys[slot], encodeSnapshotData(meta, data), { sync: true });
        this.syncs += 1;
        // Still the free slot (a persisted snapshot waits for this write, so none moved it).
        if (otherSlot(this.dataSlot) === slot) this.staged = { meta, slot };
      })();
      this.staging = write.catch(() => undefined);
      return { write };
    });
    return started.then(({ write }) => write);
  }

  /** Drops entries ≤ `index`, which must be covered by the stored snapshot. */
  compact(index: number): Promise<void> {
    return this.serially(async () => {
      assert(this.opened, 'LevelLogStore.compact before open()');
      const covered = this.snapshotMeta?.index ?? 0;
      assert(index <= covered, `cannot compact to ${index}: the snapshot only covers ${covered}`);
      if (this.storedLast === 0 || index < this.storedFirst) return;
      const upTo = Math.min(index, this.storedLast);
      const ops: Op[] = [];
      for (let i = this.storedFirst; i <= upTo; i++) ops.push({ type: 'del', key: entryKey(i) });
      await this.write(ops);
      if (upTo === this.storedLast) {
        this.storedFirst = 0;
        this.storedLast = 0;
      } else {
        this.storedFirst = upTo + 1;
      }
    });
  }

  /** The stored snapshot with its data; `integrity_failure` if it is damaged. */
  loadSnapshot(): Promise<Snapshot | undefined> {
    return this.serially(async () => {
      const metaRecord = await this.db.get(snapshotMetaKey);
      if (metaRecord === undefined) return undefined;
      const meta = decodeSnapshotMeta(metaRecord);
      if (meta === undefined) throw fatal('the stored snapshot metadata is damaged');
      const opened = this.openedSnapshot;
      this.openedSnapshot = undefined;
      if (opened !== undefined && opened.meta.index === meta.index && opened.meta.term === meta.term)
        return { meta, data: opened.data };
      const dataRecord = await this.db.get(snapshotDataSlotKeys[this.dataSlot]);
      const data = dataRecord === undefined ? undefined : decodeSnapshotData(dataRecord, meta);
      if (data === undefined)
        throw fatal(`the stored snapshot data (index ${meta.index}) is damaged or missing`);
      return { meta, data };
    });
  }

  async close(): Promise<void> {
    await this.lock;
    await this.staging;
    await this.db.close();
  }

  /**
   * Reads every stored entry in index order. Entries at or below the snapshot are leftovers of an
   * interrupted compaction: skipped. Returns the entries after the snapshot; throws on any damaged
   * entry or gap.
   */
  private async scanEntries(hardState: HardState, snapshotIndex: number): Promise<Entry[]> {
    const entries: Entry[] = [];
    let first = 0;
    let lastKept = 0;
    const nextExpected = (): number =>
      (entries.length === 0 ? snapshotIndex : entries[entries.length - 1].index) + 1;
    for await (const [key, value] of this.db.iterator({ gte: entryKeyMin, lt: entryKeyEnd })) {
      const index = indexOfEntryKey(key);
      if (index === undefined) throw fatal('an unknown key lies in the entry range');
      if (first === 0) first = index;
      if (index <= snapshotIndex) {
        lastKept = index;
        continue;
      }
      const entry = decodeEntry(value);
      if (entry === undefined || entry.index !== index) throw this.damagedEntry(index, hardState.commit);
      if (index !== nextExpected())
        throw fatal(`the log has a gap: expected entry ${nextExpected()}, found ${index}`);
      entries.push(entry);
      lastKept = index;
    }
    this.storedFirst = lastKept === 0 ? 0 : first;
    this.storedLast = lastKept;
    return entries;
  }

  /** The refusal for damaged entry `index`, telling the operator what it means and what to do. */
  private damagedEntry(index: number, commit: number): ArcaError {
    const state =
      index <= commit
        ? `it is committed (commit index ${commit})`
        : `it lies beyond the stored commit index ${commit}, but this node may already have ` +
          'acknowledged it to a leader, which may have counted it toward a commit';
    return fatal(
      `log entry ${index} is damaged (checksum or decoding failed); ${state}. Refusing to start ` +
        'rather than drop it and risk losing an acknowledged write. Recovery: keep this node ' +
        'stopped, remove it from the cluster through a healthy member, move its data aside (the ' +
        `Raft log at ${this.path} and its state machine), and add it back as a new member so the ` +
        'leader rebuilds it from a snapshot; a single-node deployment must restore from a backup.',
    );
  }

  /** Finds the slot whose data belongs to `meta` (kept for the first `loadSnapshot`). */
  private async findDataSlot(meta: SnapshotMeta): Promise<void> {
    for (const slot of [0, 1] as const) {
      const record = await this.db.get(snapshotDataSlotKeys[slot]);
      const data = record === undefined ? undefined : decodeSnapshotData(record, meta);
      if (data === undefined) continue;
      this.dataSlot = slot;
      this.openedSnapshot = { meta, data };
      return;
    }
  }

  /** True when the stored log holds entry `index` with `term`. */
  private async holdsEntry(index: number, term: number): Promise<boolean> {
    if (this.storedLast === 0 || index < this.storedFirst || index > this.storedLast) return false;
    const record = await this.db.get(entryKey(index));
    const entry = record === undefined ? undefined : decodeEntry(record);
    return entry !== undefined && entry.term === term;
  }

  private async write(ops: Op[]): Promise<void> {
    await this.db.batch(ops, { sync: true });
    this.syncs += 1;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function otherSlot(slot: 0 | 1): 0 | 1 {
  return slot === 0 ? 1 : 0;
}

function fatal(message: string): ArcaError {
  return new ArcaError('integrity_failure', `raft log store: ${message}`);
}
