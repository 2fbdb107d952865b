/**
 * The Raft storage state store on real LevelDB: a run of entries is one batch with the applied
 * index; a write carrying a (client, seq) already applied is skipped, across restarts too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, type Entry } from '../../../../src/raft/types.js';
import { encodeWrite } from '../../../../src/storage/raft/command.js';
import { StateStore } from '../../../../src/storage/raft/state-store.js';

const put = (index: number, client: string, seq: number, key: string, value: string): Entry => ({
  index,
  term: 1,
  type: EntryType.Normal,
  data: encodeWrite(client, seq, [{ type: 'put', key, value: Buffer.from(value) }]),
});

test('a retried write (same client and sequence) is applied once, also after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    let store = await StateStore.open(dir);
    const first = await store.apply([put(1, 'c1', 1, 'counter', 'one'), put(2, 'c1', 2, 'other', 'x')]);
    assert.deepEqual(first.keys, ['counter', 'other']);
    await store.apply([put(3, 'c1', 3, 'counter', 'two')]);
    // The timed-out first attempt of seq 1 is committed again later: it must not undo seq 3.
    const retried = await store.apply([put(4, 'c1', 1, 'counter', 'one')]);
    assert.deepEqual(retried.keys, []);
    assert.equal(Buffer.from(store.get('counter')!).toString(), 'two');
    assert.equal(store.appliedIndex(), 4);
    await store.close();

    store = await StateStore.open(dir);
    assert.equal(store.appliedIndex(), 4);
    await store.apply([put(5, 'c1', 2, 'other', 'y'), put(6, 'c2', 1, 'other', 'z')]);
    assert.equal(Buffer.from(store.get('other')!).toString(), 'z');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a snapshot restores the same state and refuses damaged bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-state-store-'));
  try {
    const a = await StateStore.open(join(dir, 'a'));
    const b = await StateStore.open(join(dir, 'b'));
    await a.apply([put(1, 'c', 1, 'x/1', 'one'), put(2, 'c', 2, 'x/2', 'two')]);
    const snap = await a.dumpBytes();
    await a.apply([put(3, 'c', 3, 'x/3', 'not in the snapshot')]);
    await b.restore(snap, { index: 2, term: 1 });
    assert.equal(b.appliedIndex(), 2);
    assert.deepEqual(await b.list('x/'), ['1', '2']);
    const damaged = Buffer.from(snap);
    damaged[damaged.length - 40] ^= 0xff;
    await assert.rejects(b.restore(damaged), /damaged/);
    await a.close();
    await b.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
