/**
 * The Raft storage state machine's durable state: one LevelDB per node (next to, not inside, the
 * log store). Committed entries are applied in ONE LevelDB batch per run of entries, together with
 * the applied index and term (principle 6), so a restart neither skips nor repeats an entry.
 *
 * Key layout (utf8): `d<key>` barrier ciphertext as the barrier stored it; `ma` applied index+term;
 * `mm<nodeId>` a member's `MemberInfo`; `mc<clientId>` a client's record in the dedupe table
 * (client-table.ts) that makes a retried write apply once. (`mq…` rows of an older layout are
 * ignored.)
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
import { childEntry } from '../physical/keys.js';
import {
  decodeCommandForApply,
  decodeMemberInfo,
  encodeMemberInfo,
  type Command,
  type MemberInfo,
} from './command.js';
import { ClientTable } from './client-table.js';
import { snapshotReader, snapshotWriter } from './snapshot-format.js';

type Db = Level<string, Uint8Array>;
type Batch = ReturnType<Db['batch']>;

const dataPrefix = 'd';
const appliedKey = 'ma';
const memberPrefix = 'mm';
const clientPrefix = 'mc';

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

  private constructor(private readonly db: Db) {}

  /** Opens (creating if missing) the state database in `path` and loads its metadata. */
  static async open(path: string): Promise<StateStore> {
    const db: Db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const store = new StateStore(db);
    await store.loadMeta();
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
    return this.db.getSync(dataPrefix + key);
  }

  /** Vault list semantics over the data keys (see `LevelPhysical.list`). */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const iterator = this.db.keys({ gte: dataPrefix + prefix });
    try {
      for (;;) {
        const stored = await iterator.next();
        if (stored === undefined || !stored.startsWith(dataPrefix + prefix)) break;
        const name = childEntry(prefix, stored.slice(dataPrefix.length));
        names.push(name);
        if (name.endsWith('/')) iterator.seek(dataPrefix + prefix + name.slice(0, -1) + '0');
      }
    } finally {
      await iterator.close();
    }
    return names;
  }

  /**
   * Applies a run of committed entries in ONE batch with the applied index: writes (once per
   * (client, seq)), member metadata from conf changes and member commands; empty entries only
   * move the applied index.
   */
  async apply(entries: readonly Entry[]): Promise<ApplyResult> {
    // Each entry's command is decoded ONCE here (the split below and the apply loop share it).
    return this.applyDecoded(entries.map((entry) => ({ entry, command: commandOf(entry) })));
  }

  private async applyDecoded(run: readonly DecodedEntry[]): Promise<ApplyResult> {
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
          result.reset = await this.replaceData(batch, command.snapshot);
          continue;
        }
        for (const op of command.ops) {
          if (op.type === 'put') batch.put(dataPrefix + op.key, op.value);
          else batch.del(dataPrefix + op.key);
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
   * Adds to `batch` the deletion of every data key and the data records of `snapshot` (its
   * membership and dedupe records are not this cluster's and are skipped). A snapshot that does
   * not verify changes nothing (the proposer verified it; every member decides the same way).
   */
  private async replaceData(batch: Batch, snapshot: Uint8Array): Promise<boolean> {
    let records: { key: string; value: Uint8Array }[];
    try {
      records = snapshotReader(snapshot);
    } catch {
      return false;
    }
    for await (const key of this.db.keys({ gte: dataPrefix, lt: dataPrefix + '\uffff' })) batch.del(key);
    for (const { key, value } of records) if (key.startsWith(dataPrefix)) batch.put(key, value);
    return true;
  }

  /**
   * Streams the whole state (ciphertext as stored, metadata included) in the snapshot format.
   * The LevelDB iterator is created NOW, so the stream is the state as of this call even while
   * later entries are applied.
   */
  dump(): AsyncIterable<Uint8Array> {
    const iterator = this.db.iterator();
    return snapshotWriter(iterator);
  }

  /** The whole state as one buffer (what the Raft driver replicates as a snapshot). */
  async dumpBytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.dump()) parts.push(chunk);
    return Buffer.concat(parts);
  }

  /**
   * Replaces the whole state with a snapshot (checksum verified first). `index`/`term` override
   * the applied position recorded in it. The applied record is written last (synced): a crash
   * midway leaves applied 0, so the driver installs the snapshot again.
   */
  async restore(data: Uint8Array, position?: { index: number; term: number }): Promise<void> {
    const records = snapshotReader(data);
    await this.db.clear();
    let batch: Batch = this.db.batch();
    let applied: Uint8Array | undefined;
    for (const { key, value } of records) {
      if (key === appliedKey) {
        applied = value;
        continue;
      }
      batch.put(key, value);
      if (batch.length >= limits.raftRestoreBatchRecords) {
        await batch.write();
        batch = this.db.batch();
      }
    }
    const finalApplied = position !== undefined ? indexBytes(position.index, position.term) : applied;
    if (finalApplied !== undefined) batch.put(appliedKey, finalApplied);
    await batch.write({ sync: true });
    await this.loadMeta();
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.db.close();
  }

  /** Reloads applied position, members and dedupe table; swaps them in only once all are read. */
  private async loadMeta(): Promise<void> {
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
  }
}

function indexBytes(index: number, term: number): Uint8Array {
  const out = Buffer.alloc(16);
  out.writeDoubleBE(index, 0);
  out.writeDoubleBE(term, 8);
  return out;
}

function readIndexBytes(value: Uint8Array): { index: number; term: number } {
  if (value.length !== 16) throw new ArcaError('integrity_failure', 'raft state: malformed applied index');
  const view = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return { index: view.readDoubleBE(0), term: view.readDoubleBE(8) };
}

/** An entry with its decoded command (undefined: a conf change or an empty entry). */
interface DecodedEntry {
  entry: Entry;
  command: Command | undefined;
}

function commandOf(entry: Entry): Command | undefined {
  return entry.type === EntryType.Normal ? decodeCommandForApply(entry.data) : undefined;
}
