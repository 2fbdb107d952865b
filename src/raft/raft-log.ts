/**
 * The node's log as Raft sees it (etcd log.go): the persisted part read through `RaftStorage`
 * plus the `Unstable` tail, with the commit and apply cursors. Term lookups outside the log
 * (compacted or beyond the end) answer `undefined`, never a made-up 0 (etcd-io/raft 76f1249).
 */
import { assert } from '../lib/assert.js';
import type { RaftStorage } from './ports.js';
import { Unstable } from './unstable.js';
import type { Entry, Snapshot } from './types.js';

/** Payload bytes of an entry (what flow control and the uncommitted bound count). */
export function entryBytes(entry: Entry): number {
  return entry.data.length;
}

/** Total payload bytes. */
export function entriesBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += e.data.length;
  return total;
}

/** Keeps the longest prefix within `maxBytes`, always at least one entry. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entryBytes(entries[0]);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entryBytes(entries[n]);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/** Stable storage + unstable tail + commit/apply cursors. */
export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  /** Highest index handed to the application in a Ready (not yet acknowledged by advance). */
  applying: number;
  /** Highest index the application has applied. */
  applied: number;

  constructor(
    readonly storage: RaftStorage,
    private readonly maxApplyingBytes: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of the entry at `index`, or undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (index < dummy || index > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    try {
      return this.storage.term(index);
    } catch {
      return undefined;
    }
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, 'raftLog: last term unavailable');
    return t;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a candidate's log (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry that conflicts with ours (or is new); 0 if all already present. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term` (the fast skip-back hint, thesis §5.3
   * optimisation as in etcd). Returns [index, term]; term 0 when unknown (compacted).
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = Math.min(index, this.lastIndex()); i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return [i, 0];
      if (t <= term) return [i, t];
    }
    return [0, 0];
  }

  /**
   * The follower side of AppendEntries (Figure 2): if our entry at `index` has `logTerm`, append
   * `entries` truncating at the first conflict, advance commit, return the new last index.
   * With `truncateAlways` (TEST mutation) the log is cut at `index` even without a conflict.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    entries: Entry[],
    truncateAlways = false,
  ): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    if (truncateAlways && entries.length > 0) {
      this.unstable.truncateAndAppend(entries);
    } else {
      const conflict = this.findConflict(entries);
      if (conflict !== 0) {
        assert(conflict > this.committed, `raftLog: conflict at ${conflict} ≤ committed ${this.committed}`);
        this.append(entries.slice(conflict - (index + 1)));
      }
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends (truncating a conflicting unstable suffix); returns the new last index. */
  append(entries: Entry[]): number {
    const first = entries[0];
    if (!first) return this.lastIndex();
    assert(first.index - 1 >= this.committed, `raftLog: append at ${first.index} would overwrite committed`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (this.committed < index) {
      assert(index <= this.lastIndex(), `raftLog: commit ${index} beyond last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  /** Leader commit rule (§5.4.2): only an entry of the current `term` commits by counting. */
  maybeCommit(maxIndex: number, term: number, anyTerm = false): boolean {
    if (maxIndex > this.committed && (anyTerm || this.term(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Entries in [lo, hi), at most `maxBytes` (≥ 1 entry); undefined if lo was compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    hi = Math.min(hi, this.lastIndex() + 1);
    if (lo >= hi) return [];
    let result: Entry[] = [];
    const offset = this.unstable.offset;
    if (lo < offset) {
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      } catch {
        return undefined;
      }
      if (stored.length === 0 && lo < Math.min(hi, offset)) return undefined;
      const want = Math.min(hi, offset) - lo;
      if (stored.length < want) return limitSize(stored, maxBytes);
      result = stored;
    }
    if (hi > offset) {
      const un = this.unstable.slice(Math.max(lo, offset), hi);
      result = result.length > 0 ? result.concat(un) : un;
    }
    return limitSize(result, maxBytes);
  }

  /** Entries from `index` to the end, at most `maxBytes`; undefined if compacted. */
  entriesFrom(index: number, maxBytes: number): Entry[] | undefined {
    if (index > this.lastIndex()) return [];
    return this.slice(index, this.lastIndex() + 1, maxBytes);
  }

  /** Whether an unstable snapshot exists (handed out or not). */
  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Highest index that is both committed and persisted locally (safe to apply). */
  private maxAppliableIndex(): number {
    return Math.min(this.committed, this.unstable.offset - 1);
  }

  hasNextCommittedEnts(): boolean {
    if (this.hasNextOrInProgressSnapshot()) return false;
    return this.applying < this.maxAppliableIndex();
  }

  /** Committed, persisted entries not yet handed to the application. */
  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const ents = this.slice(lo, this.maxAppliableIndex() + 1, this.maxApplyingBytes);
    assert(ents !== undefined, 'raftLog: committed entries compacted before apply');
    return ents;
  }

  acceptApplying(index: number): void {
    this.applying = Math.max(this.applying, index);
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `raftLog: applied ${index} beyond committed ${this.committed}`);
    this.applied = Math.max(this.applied, index);
    this.applying = Math.max(this.applying, index);
  }

  /** Latest snapshot (an unstable incoming one wins). */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with an incoming snapshot (its index becomes committed). */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }

  /** Persisted (durable) last index that is still part of our log. */
  persistedLastIndex(): number {
    return this.unstable.offset - 1;
  }
}
