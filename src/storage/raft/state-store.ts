/**
 * The Raft storage state machine's durable state: one LevelDB per node (next to, not inside, the
 * log store). Committed entries are applied in ONE LevelDB batch per run of entries, together with
 * the applied index and term (principle 6), so a restart neither skips nor repeats an entry.
 *
 * Key layout (utf8, see state-keys.ts): `<generation prefix><key>` barrier ciphertext as the barrier
 * stored it; `ma` applied index+term; `mm<nodeId>` a member's `MemberInfo`; `mc<clientId>` a
 * client's record in the dedupe table (client-table.ts) that makes a retried write apply once
 * (`mq…` rows of an older layout are ignored). A snapshot is installed into a staging area
 * (state-install.ts) and switched to atomically.
 *
 * Applies are written without fsync: the log is the durable record. A state store that lost its
 * tail in an OS crash has an older applied index in the same batch, and the driver re-applies the
 * missing entries from the log (or restores the synced snapshot the log was compacted behind).
 */
import { Level } from 'level';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { decodeConfChange } from '../../raft/conf-change-codec.js';
import type { Entry } from '../../raft/types.js';
import { EntryType } from '../../raft/types.js';
import { listLevelChildren } from '../physical/level-list.js';
import {
  decodeCommandForApply,
  decodeMemberInfo,
  encodeMemberInfo,
  type Command,
  type MemberInfo,
} from './command.js';
import { ClientTable } from './client-table.js';
import { snapshotWriter } from './snapshot-format.js';
import { SnapshotParser } from './snapshot-parser.js';
import { decodeSnapshotRef } from './snapshot-ref.js';
import { collectGarbage, dumpIterator } from './state-dump.js';
import { StagedInstall } from './state-install.js';
import {
  applyRestoreStep,
  decodeRestoreArea,
  legacyReplaceData,
  type DataAreas,
  type RestoreArea,
} from './state-restore.js';
import {
  appliedKey,
  dataPrefixOf,
  clientPrefix,
  generationKey,
  indexBytes,
  legacyDataPrefix,
  memberPrefix,
  newStagingId,
  rangeEnd,
  readIndexBytes,
  restoreKey,
  stagedMetaPrefixOf,
  stagedPrefix,
} from './state-keys.js';

type Db = Level<string, Uint8Array>;

/** Written with `sync` to make every earlier (unsynced) apply durable; never read. */
const syncKey = 'mf';
const decoder = new TextDecoder();

/** What one applied run of entries changed. */
export interface ApplyResult {
  /** Data keys written or deleted (physical keys, as the barrier named them). */
  keys: string[];
  membersChanged: boolean;
  /** An operator restore replaced the whole data set (every cache above is stale). */
  reset: boolean;
  /** Term of the last applied entry. */
  lastTerm: number;
}

/** The per-node state store of Raft storage; see the module comment. */
export class StateStore {
  private applied = 0;
  private appliedTermValue = 0;
  private readonly members = new Map<string, MemberInfo>();
  private readonly clients = new ClientTable(limits.raftDedupeClientsMax, limits.raftDedupeSeqsPerClientMax);
  /** The live data generation's key prefix (`d` until the first snapshot install). */
  private dataPrefix = legacyDataPrefix;
  /** The operator restore in progress (state-restore.ts). */
  private restoring: RestoreArea | undefined;
  /** Staging areas being filled, and complete ones not yet switched to. */
  private readonly installing = new Set<string>();
  private readonly sealed = new Set<string>();
  private gc: Promise<void> | undefined;
  private gcAgain = false;

  private constructor(private readonly db: Db) {}

  /** Opens (creating if missing) the state database in `path` and loads its metadata. */
  static async open(path: string): Promise<StateStore> {
    const db: Db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const store = new StateStore(db);
    await store.loadMeta();
    store.scheduleGc();
    return store;
  }

  /** Index of the last applied entry. */
  appliedIndex(): number {
    return this.applied;
  }

  /** Term of the last applied entry (0 before any). */
  appliedTerm(): number {
    return this.appliedTermValue;
  }

  /**
   * True when a write of (clientId, seq) has been applied here (or is settled: below the client's
   * floor). On an active node that has applied its own term, this covers everything committed.
   */
  hasApplied(clientId: string, seq: number): boolean {
    return this.clients.hasApplied(clientId, seq);
  }

  /** The replicated member metadata by node id. */
  memberInfos(): ReadonlyMap<string, MemberInfo> {
    return this.members;
  }

  /** The stored ciphertext of a physical key. */
  get(key: string): Uint8Array | undefined {
    return this.db.getSync(this.dataPrefix + key);
  }

  /** Vault list semantics over the data keys, one batched range scan (physical/level-list.ts). */
  list(prefix: string): Promise<string[]> {
    return listLevelChildren(this.db, this.dataPrefix, prefix);
  }

  /**
   * Applies a run of committed entries in ONE batch with the applied index: writes (once per
   * (client, seq)), member metadata from conf changes and member commands; empty entries only
   * move the applied index.
   */
  async apply(entries: readonly Entry[]): Promise<ApplyResult> {
    // Entries the state already holds (a snapshot newer than its metadata says) apply nothing.
    // Each remaining entry's command is decoded ONCE here (the split and the apply loop share it).
    const fresh = entries.filter((e) => e.index > this.applied);
    return this.applyDecoded(fresh.map((entry) => ({ entry, command: commandOf(entry) })));
  }

  private async applyDecoded(run: readonly DecodedEntry[]): Promise<ApplyResult> {
    let areas: DataAreas = { livePrefix: this.dataPrefix, restore: this.restoring };
    const result: ApplyResult = {
      keys: [],
      membersChanged: false,
      reset: false,
      lastTerm: this.appliedTermValue,
    };
    if (run.length === 0) return result;
    // An operator restore replaces everything: it is applied in a batch of its own.
    const split = run.findIndex((d, i) => i > 0 && d.command?.kind === 'restore');
    if (split > 0) {
      const head = await this.applyDecoded(run.slice(0, split));
      const tail = await this.applyDecoded(run.slice(split));
      return {
        keys: [...head.keys, ...tail.keys],
        membersChanged: head.membersChanged || tail.membersChanged,
        reset: head.reset || tail.reset,
        lastTerm: tail.lastTerm,
      };
    }
    const batch = this.db.batch();
    const memberChanges = new Map<string, MemberInfo | undefined>();
    const touched = new Set<string>();
    try {
      for (const { entry, command } of run) {
        if (entry.type === EntryType.ConfChange) {
          const cc = decodeConfChange(entry.data);
          if (cc.type === 'removeNode') memberChanges.set(cc.nodeId, undefined);
          else if (cc.context !== undefined) memberChanges.set(cc.nodeId, decodeMemberInfo(cc.context));
          continue;
        }
        if (command === undefined) continue;
        if (command.kind === 'member') {
          memberChanges.set(command.info.nodeId, command.info);
          continue;
        }
        if (!this.clients.admit(command.id, entry.index, touched)) continue;
        if (command.kind === 'restore') {
          result.reset = await legacyReplaceData(this.db, batch, areas.livePrefix, command.snapshot);
          continue;
        }
        if (command.kind !== 'write') {
          const step = applyRestoreStep(batch, areas, command, entry.index);
          areas = step.areas;
          result.reset ||= step.reset;
          continue;
        }
        for (const op of command.ops) {
          if (op.type === 'put') batch.put(areas.livePrefix + op.key, op.value);
          else batch.del(areas.livePrefix + op.key);
          result.keys.push(op.key);
        }
      }
      for (const [nodeId, info] of memberChanges) {
        if (info === undefined) batch.del(memberPrefix + nodeId);
        else batch.put(memberPrefix + nodeId, encodeMemberInfo(info));
      }
      for (const clientId of this.clients.evict()) touched.add(clientId);
      for (const clientId of touched) {
        const record = this.clients.encode(clientId);
        if (record === undefined) batch.del(clientPrefix + clientId);
        else batch.put(clientPrefix + clientId, record);
      }
      const last = run[run.length - 1].entry;
      batch.put(appliedKey, indexBytes(last.index, last.term));
      await batch.write();
      const switched = areas.livePrefix !== this.dataPrefix;
      this.dataPrefix = areas.livePrefix;
      this.restoring = areas.restore;
      if (switched) this.scheduleGc();
      for (const [nodeId, info] of memberChanges) {
        if (info === undefined) this.members.delete(nodeId);
        else this.members.set(nodeId, info);
      }
      result.membersChanged = memberChanges.size > 0;
      this.applied = last.index;
      this.appliedTermValue = last.term;
      result.lastTerm = last.term;
      return result;
    } catch (err) {
      await batch.close();
      // The client table was updated ahead of the write: take it back from what is stored.
      await this.loadMeta().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Streams the whole state (ciphertext as stored, metadata included) in the snapshot format.
   * The LevelDB iterator is created NOW, so the stream is the state as of this call even while
   * later entries are applied or a snapshot is installed.
   */
  dump(): AsyncIterable<Uint8Array> {
    return snapshotWriter(dumpIterator(this.db));
  }

  /**
   * Makes every apply so far durable (one synced write: LevelDB's log is sequential), so the
   * state store can stand for a snapshot at the applied index and the log be compacted behind it.
   */
  async sync(): Promise<void> {
    await this.db.put(syncKey, new Uint8Array(0), { sync: true });
  }

  /** Starts a staging area for a snapshot received in chunks (see state-install.ts). */
  beginInstall(): StagedInstall {
    const id = newStagingId();
    this.installing.add(id);
    return new StagedInstall(this.db, id, (done, sealed) => {
      if (sealed) this.sealed.add(done);
      this.installing.delete(done);
      if (!sealed) this.scheduleGc();
    });
  }

  /**
   * Replaces the whole state with a snapshot's `data`: a `staged` reference is switched to (one
   * atomic write), a `local` one is this store already (checked to cover `position`), and legacy
   * snapshot bytes are staged in bounded batches (checksum verified) and then switched to.
   * `position` overrides the applied index recorded in legacy bytes. A crash at any point leaves
   * either the old state or the new one, never a mix.
   */
  async restore(data: Uint8Array, position?: { index: number; term: number }): Promise<void> {
    const ref = decodeSnapshotRef(data);
    if (ref?.kind === 'local') {
      // The bootstrap snapshot is the empty state at index 1: an empty store covers it.
      const bootstrap = position?.index === 1 && this.applied === 0;
      if (position !== undefined && this.applied < position.index && !bootstrap)
        throw new ArcaError('integrity_failure', 'raft state: the local state does not cover the snapshot');
      return;
    }
    if (ref?.kind === 'staged') return this.commitStaged(ref.id);
    const install = this.beginInstall();
    try {
      const parser = new SnapshotParser();
      const step = limits.raftSnapshotChunkBytes;
      for (let at = 0; at < data.length; at += step) {
        await install.write(parser.push(data.subarray(at, Math.min(data.length, at + step))));
      }
      parser.finish();
      await install.seal();
    } catch (err) {
      install.abort();
      throw err;
    }
    await this.commitStaged(install.id, position);
  }

  /**
   * Switches the live state to staging area `id` (sealed): ONE synced batch replaces the
   * metadata records and names the new data generation. The old generation is then deleted in
   * the background, in bounded batches.
   */
  async commitStaged(id: string, position?: { index: number; term: number }): Promise<void> {
    if (!this.sealed.has(id) && this.db.getSync(stagedPrefix + id) === undefined)
      throw new ArcaError('integrity_failure', 'raft state: the staged snapshot is missing');
    const batch = this.db.batch();
    try {
      for (const from of [appliedKey, memberPrefix, clientPrefix, restoreKey]) {
        for await (const key of this.db.keys({ gte: from, lt: from + rangeEnd })) batch.del(key);
      }
      const metaPrefix = stagedMetaPrefixOf(id);
      for await (const [key, value] of this.db.iterator({ gte: metaPrefix, lt: metaPrefix + rangeEnd })) {
        batch.del(key);
        batch.put(key.slice(metaPrefix.length), value);
      }
      if (position !== undefined) batch.put(appliedKey, indexBytes(position.index, position.term));
      batch.put(generationKey, Buffer.from(dataPrefixOf(id), 'utf8'));
      batch.del(stagedPrefix + id);
      // Areas sealed before this one are older snapshots nobody will install now.
      const older = [...this.sealed].slice(0, Math.max(0, [...this.sealed].indexOf(id)));
      for (const other of older) batch.del(stagedPrefix + other);
      await batch.write({ sync: true });
    } catch (err) {
      await batch.close();
      throw err;
    }
    this.sealed.delete(id);
    await this.loadMeta();
    this.scheduleGc();
  }

  /** Closes the database. */
  async close(): Promise<void> {
    while (this.gc !== undefined) await this.gc;
    await this.db.close();
  }

  /** Deletes abandoned generations and staging areas in the background (one sweep at a time). */
  private scheduleGc(): void {
    if (this.gc !== undefined) {
      this.gcAgain = true;
      return;
    }
    const isLive = (id: string): boolean =>
      this.installing.has(id) ||
      this.sealed.has(id) ||
      this.dataPrefix === dataPrefixOf(id) ||
      this.restoring?.prefix === dataPrefixOf(id);
    this.gc = collectGarbage(this.db, this.dataPrefix, isLive, limits.raftRestoreBatchRecords)
      .catch(() => 0) // best effort: garbage is retried on the next sweep
      .then(() => {
        this.gc = undefined;
        if (this.gcAgain) {
          this.gcAgain = false;
          this.scheduleGc();
        }
      });
  }

  /** Reloads applied position, members and dedupe table; swaps them in only once all are read. */
  private async loadMeta(): Promise<void> {
    const generation = this.db.getSync(generationKey);
    const restoring = this.db.getSync(restoreKey);
    const sealed: string[] = [];
    for await (const key of this.db.keys({ gte: stagedPrefix, lt: stagedPrefix + rangeEnd }))
      sealed.push(key.slice(stagedPrefix.length));
    const applied = this.db.getSync(appliedKey);
    const position = applied === undefined ? { index: 0, term: 0 } : readIndexBytes(applied);
    const members = new Map<string, MemberInfo>();
    for await (const [key, value] of this.db.iterator({ gte: memberPrefix, lt: memberPrefix + '\uffff' })) {
      members.set(key.slice(memberPrefix.length), decodeMemberInfo(value));
    }
    const rows: { clientId: string; value: Uint8Array }[] = [];
    for await (const [key, value] of this.db.iterator({ gte: clientPrefix, lt: clientPrefix + '\uffff' })) {
      rows.push({ clientId: key.slice(clientPrefix.length), value });
    }
    this.members.clear();
    for (const [nodeId, info] of members) this.members.set(nodeId, info);
    this.clients.load(rows);
    this.applied = position.index;
    this.appliedTermValue = position.term;
    this.dataPrefix = generation === undefined ? legacyDataPrefix : decoder.decode(generation);
    this.restoring = decodeRestoreArea(restoring);
    this.sealed.clear();
    for (const id of sealed) this.sealed.add(id);
  }
}

/** An entry with its decoded command (undefined: a conf change or an empty entry). */
interface DecodedEntry {
  entry: Entry;
  command: Command | undefined;
}

function commandOf(entry: Entry): Command | undefined {
  return entry.type === EntryType.Normal ? decodeCommandForApply(entry.data) : undefined;
}
