import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../../src/raft/memory-storage.js';
import { RaftLog } from '../../../src/raft/raft-log.js';
import { Unstable } from '../../../src/raft/unstable.js';
import { EntryType, type Entry } from '../../../src/raft/types.js';

const e = (index: number, term: number, data = ''): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new TextEncoder().encode(data),
});

function logWith(terms: number[]): RaftLog {
  const storage = new MemoryStorage({ entries: terms.map((t, i) => e(i + 1, t)) });
  return new RaftLog(storage, 1 << 20);
}

test('AppendEntries truncates only at the first conflicting entry (Figure 2, receiver rule 3)', () => {
  const log = logWith([1, 1, 2, 2]);
  // A duplicate of entries already present changes nothing.
  assert.equal(log.maybeAppend(1, 1, 0, [e(2, 1), e(3, 2)]), 3);
  assert.equal(log.lastIndex(), 4, 'a stale, shorter append must not cut the log');
  // A conflict at 3 replaces the suffix.
  assert.equal(log.maybeAppend(2, 1, 0, [e(3, 3)]), 3);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.term(3), 3);
});

test('AppendEntries fails when the previous entry does not match (log matching, §5.3)', () => {
  const log = logWith([1, 1, 2]);
  assert.equal(log.maybeAppend(3, 1, 0, [e(4, 3)]), undefined);
  assert.equal(log.maybeAppend(5, 2, 0, []), undefined);
});

test('commit from the leader is capped by the last new entry of the message', () => {
  const log = logWith([1, 1, 1, 1]);
  log.maybeAppend(1, 1, 4, []);
  assert.equal(log.committed, 1);
});

test('the rejection hint skips back a whole term at once', () => {
  const log = logWith([1, 1, 1, 4, 4, 4, 4]);
  assert.deepEqual(log.findConflictByTerm(7, 2), [3, 1]);
  assert.deepEqual(log.findConflictByTerm(10, 5), [7, 4]);
  assert.deepEqual(log.findConflictByTerm(2, 0), [0, 0]);
});

test('a compacted index has no term (never a made-up 0, etcd-io/raft 76f1249)', () => {
  const storage = new MemoryStorage({ entries: [1, 1, 2, 2, 3].map((t, i) => e(i + 1, t)) });
  storage.createSnapshot(3, { voters: ['1'], learners: [] }, new Uint8Array(0));
  storage.compact(3);
  const log = new RaftLog(storage, 1 << 20);
  assert.equal(log.term(2), undefined);
  assert.equal(log.term(3), 2, 'the snapshot index is answerable');
  assert.equal(log.entriesFrom(2, 100), undefined);
  assert.deepEqual(
    log.entriesFrom(4, 100)?.map((x) => x.index),
    [4, 5],
  );
});

test('a log is more up to date by last term first, then by length (§5.4.1)', () => {
  const log = logWith([1, 2, 2]);
  assert.equal(log.isUpToDate(1, 3), true);
  assert.equal(log.isUpToDate(3, 2), true);
  assert.equal(log.isUpToDate(2, 2), false);
  assert.equal(log.isUpToDate(9, 1), false);
});

test('unstable entries are dropped on persist only if their term still matches (ABA race)', () => {
  const u = new Unstable(1);
  u.truncateAndAppend([e(1, 1), e(2, 1)]);
  u.acceptInProgress();
  assert.deepEqual(u.nextEntries(), []);
  // Before the write of (2, term 1) completes, a new leader overwrites index 2.
  u.truncateAndAppend([e(2, 2)]);
  assert.deepEqual(
    u.nextEntries().map((x) => x.term),
    [2],
    'the overwritten entry must be persisted again',
  );
  u.stableTo(2, 1); // the old write completes: must not mark the new entry stable
  assert.equal(u.offset, 1);
  u.stableTo(1, 1);
  assert.equal(u.offset, 2);
  assert.equal(u.maybeTerm(2), 2);
});

test('committed entries are handed out only once persisted (etcd #14370)', () => {
  const storage = new MemoryStorage({ entries: [e(1, 1)] });
  const log = new RaftLog(storage, 1 << 20);
  log.append([e(2, 1), e(3, 1)]);
  log.commitTo(3);
  assert.deepEqual(
    log.nextCommittedEnts().map((x) => x.index),
    [1],
  );
  log.unstable.stableTo(3, 1);
  storage.append([e(2, 1), e(3, 1)]);
  assert.deepEqual(
    log.nextCommittedEnts().map((x) => x.index),
    [1, 2, 3],
  );
});

test('MemoryStorage truncates a conflicting suffix and refuses compacted reads', () => {
  const s = new MemoryStorage({ entries: [e(1, 1), e(2, 1), e(3, 1)] });
  s.append([e(2, 2)]);
  assert.equal(s.lastIndex(), 2);
  assert.equal(s.term(2), 2);
  s.createSnapshot(2, { voters: ['1'], learners: [] }, new Uint8Array([7]));
  s.compact(2);
  assert.equal(s.firstIndex(), 3);
  assert.throws(() => s.entries(1, 3, 100));
  assert.equal(s.term(2), 2);
  assert.equal(s.snapshot().meta.index, 2);
});
