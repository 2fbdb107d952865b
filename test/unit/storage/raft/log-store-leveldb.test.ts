import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { isArcaError } from '../../../../src/lib/errors.js';
import type { Entry, Snapshot } from '../../../../src/raft/types.js';
import { checkedRecord, encodeEntry, entryKey } from '../../../../src/storage/raft/log-codec.js';
import { LevelLogStore } from '../../../../src/storage/raft/log-store-leveldb.js';

const entry = (index: number, term: number, text = `cmd-${index}`): Entry => ({
  index,
  term,
  type: 0,
  data: new Uint8Array(Buffer.from(text)),
});
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const summary = (entries: Entry[]): string[] =>
  entries.map((e) => `${e.index}@${e.term}:${Buffer.from(e.data).toString()}`);

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'arca-raftlog-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function reopen(
  dir: string,
): Promise<{ store: LevelLogStore; state: Awaited<ReturnType<LevelLogStore['open']>> }> {
  const store = await LevelLogStore.open(dir);
  return { store, state: await store.open() };
}

/** Writes raw records straight into the log's LevelDB, as a crash or bit rot would leave them. */
async function tamper(dir: string, writes: { key: Buffer; value: Uint8Array }[]): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  await db.batch(writes.map((w) => ({ type: 'put' as const, key: w.key, value: w.value })));
  await db.close();
}

const corruptRecord = (e: Entry): Uint8Array => {
  const record = encodeEntry(e);
  record[record.length - 1] ^= 0xff; // a flipped bit in the payload: the checksum no longer matches
  return record;
};

test('a fresh store opens empty', () =>
  withDir(async (dir) => {
    const { store, state } = await reopen(dir);
    assert.deepEqual(state, {
      hardState: { term: 0, vote: '', commit: 0 },
      snapshotMeta: undefined,
      entries: [],
    });
    await store.close();
  }));

test('persist is one synced batch, and entries + HardState survive reopen', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ hardState: { term: 2, vote: 'n1', commit: 3 }, entries: range(1, 5, 2) });
    assert.equal(store.counters.syncs, 1);
    await store.close();
    const { store: again, state } = await reopen(dir);
    assert.deepEqual(state.hardState, { term: 2, vote: 'n1', commit: 3 });
    assert.deepEqual(summary(state.entries), summary(range(1, 5, 2)));
    assert.ok(state.entries.every((e) => e.data instanceof Uint8Array));
    await again.close();
  }));

test('entries starting inside the log replace the conflicting suffix (Raft §5.3)', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ entries: range(1, 10, 1) });
    await store.persist({ entries: [entry(6, 2, 'new-6'), entry(7, 2, 'new-7')] });
    await store.close();
    const { store: again, state } = await reopen(dir);
    assert.deepEqual(summary(state.entries), [...summary(range(1, 5, 1)), '6@2:new-6', '7@2:new-7']);
    // Appending after the new end continues normally.
    await again.persist({ entries: [entry(8, 2)] });
    await again.close();
    const { store: third, state: s3 } = await reopen(dir);
    assert.equal(s3.entries.at(-1)!.index, 8);
    await third.close();
  }));

test('a gap between the log and new entries is a programmer error', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ entries: range(1, 3, 1) });
    await assert.rejects(store.persist({ entries: [entry(5, 1)] }), /log ends at 3/);
    await store.close();
  }));

test('snapshot save/load, compaction drops the covered prefix, open returns entries after it', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ entries: range(1, 10, 3) });
    const snapshot: Snapshot = {
      meta: { index: 6, term: 3, confState: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } },
      data: new Uint8Array(Buffer.from('fsm image up to 6')),
    };
    await store.persist({ snapshot });
    await store.compact(6);
    await assert.rejects(store.compact(7), /snapshot only covers 6/);
    await store.close();

    const { store: again, state } = await reopen(dir);
    assert.deepEqual(state.snapshotMeta, snapshot.meta);
    assert.deepEqual(summary(state.entries), summary(range(7, 10, 3)));
    const loaded = await again.loadSnapshot();
    assert.deepEqual(loaded?.meta, snapshot.meta);
    assert.equal(Buffer.from(loaded.data).toString(), 'fsm image up to 6');
    // The compacted entries are gone from disk, not merely hidden.
    await again.close();
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    assert.equal(await db.get(entryKey(6)), undefined);
    assert.ok((await db.get(entryKey(7))) !== undefined);
    await db.close();
  }));

test('a snapshot the log does not contain replaces the whole log (Raft §7)', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ entries: range(1, 8, 1) });
    const snapshot: Snapshot = {
      meta: { index: 20, term: 4, confState: { voters: ['n1'], learners: [] } },
      data: new Uint8Array([7]),
    };
    await store.persist({ snapshot, entries: [entry(21, 4)], hardState: { term: 4, vote: '', commit: 20 } });
    await store.close();
    const { store: again, state } = await reopen(dir);
    assert.equal(state.snapshotMeta?.index, 20);
    assert.deepEqual(summary(state.entries), ['21@4:cmd-21']);
    await again.close();
  }));

test('open refuses a damaged tail beyond the commit index: the node may have acknowledged it', () =>
  withDir(async (dir) => {
    // LevelDB batches are atomic, so a record that fails its checksum is corruption, not a torn
    // write; a follower acknowledges entries once persisted, whatever its commit index says, so
    // dropping them (as open used to) could silently lose a write the cluster acknowledged.
    const { store } = await reopen(dir);
    await store.persist({ hardState: { term: 1, vote: 'n1', commit: 3 }, entries: range(1, 5, 1) });
    await store.close();
    await tamper(dir, [
      { key: entryKey(6), value: corruptRecord(entry(6, 1)) },
      { key: entryKey(7), value: checkedRecord(new Uint8Array([0xc1])) }, // valid checksum, undecodable payload
    ]);
    const broken = await LevelLogStore.open(dir);
    await assert.rejects(broken.open(), (err) => {
      assert.ok(isArcaError(err, 'integrity_failure'));
      assert.match(err.message, /log entry 6 is damaged/);
      assert.match(err.message, /beyond the stored commit index 3/);
      assert.match(err.message, /may already have acknowledged it/);
      assert.match(err.message, /Refusing to start/);
      assert.ok(err.message.includes(dir), 'names the directory the operator must move aside');
      return true;
    });
    await broken.close();
    // Refusing changed nothing on disk: every record is still there for the operator to inspect.
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    assert.ok((await db.get(entryKey(6))) !== undefined);
    assert.ok((await db.get(entryKey(7))) !== undefined);
    await db.close();
    const again = await LevelLogStore.open(dir);
    await assert.rejects(again.open(), /log entry 6 is damaged/, 'and it keeps refusing');
    await again.close();
  }));

test('corruption in the middle of the log is fatal, with a clear message', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ hardState: { term: 1, vote: '', commit: 2 }, entries: range(1, 6, 1) });
    await store.close();
    await tamper(dir, [{ key: entryKey(4), value: corruptRecord(entry(4, 1)) }]);
    const broken = await LevelLogStore.open(dir);
    await assert.rejects(broken.open(), (err) => {
      assert.ok(isArcaError(err, 'integrity_failure'));
      assert.match(err.message, /log entry 4 is damaged/);
      assert.match(err.message, /Refusing to start/);
      return true;
    });
    await broken.close();
  }));

test('a damaged tail that was already committed is fatal, not dropped', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    await store.persist({ hardState: { term: 1, vote: '', commit: 5 }, entries: range(1, 5, 1) });
    await store.close();
    await tamper(dir, [{ key: entryKey(5), value: corruptRecord(entry(5, 1)) }]);
    const broken = await LevelLogStore.open(dir);
    await assert.rejects(broken.open(), /log entry 5 is damaged .*; it is committed \(commit index 5\)/);
    await broken.close();
  }));

test('a damaged HardState or snapshot is fatal', () =>
  withDir(async (dir) => {
    const { store } = await reopen(dir);
    const snapshot: Snapshot = {
      meta: { index: 2, term: 1, confState: { voters: ['n1'], learners: [] } },
      data: new Uint8Array([1, 2, 3]),
    };
    await store.persist({ hardState: { term: 1, vote: '', commit: 2 }, entries: range(1, 3, 1) });
    await store.persist({ snapshot });
    await store.close();
    // Both data slots ('s', 't'): whichever holds snapshot 2's data is damaged.
    await tamper(dir, [
      { key: Buffer.from('s'), value: checkedRecord(new Uint8Array(20)) },
      { key: Buffer.from('t'), value: checkedRecord(new Uint8Array(20)) },
    ]);
    const { store: s2 } = await reopen(dir);
    await assert.rejects(s2.loadSnapshot(), /snapshot data \(index 2\) is damaged/);
    await s2.close();
    await tamper(dir, [{ key: Buffer.from('h'), value: new Uint8Array([1, 2, 3, 4, 5]) }]);
    const s3 = await LevelLogStore.open(dir);
    await assert.rejects(s3.open(), /HardState is damaged/);
    await s3.close();
  }));

test('a staged snapshot becomes current only when persisted; an unpersisted stage leaves the old one', () =>
  withDir(async (dir) => {
    const conf = { voters: ['a'], learners: [] };
    const snap = (index: number, text: string): Snapshot => ({
      meta: { index, term: 1, confState: conf },
      data: new Uint8Array(Buffer.from(text)),
    });
    let { store } = await reopen(dir);
    await store.persist({ entries: range(1, 30, 1), hardState: { term: 1, vote: '', commit: 30 } });
    await store.persist({ snapshot: snap(10, 'state@10') });
    // Staged but never recorded (a crash between the two): the store still holds snapshot 10.
    await store.stageSnapshot(snap(20, 'state@20').meta, snap(20, 'state@20').data);
    await store.close();
    ({ store } = await reopen(dir));
    let loaded = await store.loadSnapshot();
    assert.equal(loaded?.meta.index, 10);
    assert.equal(Buffer.from(loaded.data).toString(), 'state@10');
    // Staged, then recorded: the small persist makes it current, in whichever slot it was staged.
    const s20 = snap(20, 'state@20');
    await store.stageSnapshot(s20.meta, s20.data);
    await store.persist({ snapshot: s20 });
    await store.close();
    ({ store } = await reopen(dir));
    loaded = await store.loadSnapshot();
    assert.equal(loaded?.meta.index, 20);
    assert.equal(Buffer.from(loaded.data).toString(), 'state@20');
    // A snapshot persisted without staging (one a leader sent) after a stale stage: still right.
    await store.stageSnapshot(snap(25, 'stale@25').meta, snap(25, 'stale@25').data);
    await store.persist({ snapshot: snap(28, 'state@28') });
    await store.close();
    ({ store } = await reopen(dir));
    loaded = await store.loadSnapshot();
    assert.equal(loaded?.meta.index, 28);
    assert.equal(Buffer.from(loaded.data).toString(), 'state@28');
    await store.close();
  }));
