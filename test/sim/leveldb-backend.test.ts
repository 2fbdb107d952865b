/**
 * The LevelDB disk of the simulator (leveldb-backend.ts) runs the real `LevelLogStore`, and every
 * reopen compares what LevelDB recovered with what the completed writes must have left: that
 * comparison must pass on an honest store and fire when the store holds something else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, type Entry } from '../../src/raft/types.js';
import { LevelLogStore } from './core.js';
import { LevelBackend } from './leveldb-backend.js';
import { SimInvariantError } from './sim-state-machine.js';

function entry(index: number, term: number, text: string): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

test('a LevelDB disk reopens to exactly what its completed writes left, and the check fires otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'arca-sim-level-'));
  try {
    const backend = new LevelBackend('n1', dir);
    await backend.open();
    await backend.run({
      kind: 'persist',
      update: {
        hardState: { term: 2, vote: 'n1', commit: 1 },
        entries: [entry(1, 1, 'a'), entry(2, 2, 'b')],
      },
    });
    // A conflicting suffix replaced from index 2, then a commit: the model follows LevelLogStore.
    await backend.run({ kind: 'persist', update: { entries: [entry(2, 3, 'c'), entry(3, 3, 'd')] } });
    await backend.run({ kind: 'persist', update: { hardState: { term: 3, vote: '', commit: 3 } } });
    await backend.close();
    const state = await backend.open(); // the honest store agrees with the model
    assert.deepEqual(
      state.entries.map((e) => `${e.index}@${e.term}`),
      ['1@1', '2@3', '3@3'],
    );
    assert.deepEqual(state.hardState, { term: 3, vote: '', commit: 3 });
    await backend.close();

    // Rewrite entry 3's data behind the model's back (a store that lost or garbled a write).
    const store = await LevelLogStore.open(join(dir, 'n1'));
    await store.open();
    await store.persist({ entries: [entry(3, 3, 'not-what-was-written')] });
    await store.close();
    await assert.rejects(
      backend.open(),
      (err: unknown) => err instanceof SimInvariantError && err.message.includes('LevelDB recovered'),
    );
    await backend.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
