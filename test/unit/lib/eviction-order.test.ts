import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EvictionMap } from '../../../src/lib/eviction-order.js';
import { SeededRng } from '../../../src/lib/rng.js';

test('the oldest key comes first, across many fill-and-evict cycles', () => {
  const cache = new EvictionMap<number, string>();
  const entriesMax = 64;
  let evicted = 0;
  for (let key = 0; key < 10_000; key++) {
    if (cache.size >= entriesMax) {
      assert.equal(cache.oldestKey(), evicted, `after ${key} inserts`);
      cache.delete(evicted);
      evicted += 1;
    }
    cache.set(key, 'v');
  }
});

test('deleted keys are skipped, a key set again while present keeps its place, re-added counts as new', () => {
  const cache = new EvictionMap<string, number>();
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  cache.set('b', 5); // present: keeps its place
  cache.delete('a');
  cache.set('a', 4); // re-added: now the newest
  assert.equal(cache.oldestKey(), 'b');
  cache.delete('b');
  assert.equal(cache.oldestKey(), 'c');
  cache.delete('c');
  assert.equal(cache.oldestKey(), 'a');
  cache.delete('a');
  assert.equal(cache.oldestKey(), undefined);
});

test('the order keeps working after clear, and after running empty', () => {
  const cache = new EvictionMap<string, number>();
  assert.equal(cache.oldestKey(), undefined);
  cache.set('x', 1);
  cache.set('y', 2);
  cache.clear();
  assert.equal(cache.oldestKey(), undefined);
  cache.set('z', 3);
  cache.set('w', 4);
  assert.equal(cache.oldestKey(), 'z');
  cache.delete('z');
  assert.equal(cache.oldestKey(), 'w');
});

test('under random sets and deletes the oldest key agrees with the Map’s own insertion order', () => {
  const rng = new SeededRng(20261206);
  const cache = new EvictionMap<number, number>();
  for (let step = 0; step < 50_000; step++) {
    const roll = rng.intBelow(10);
    const key = rng.intBelow(500);
    if (roll < 6) cache.set(key, step);
    else if (roll < 8) cache.delete(key);
    else {
      const expected = cache.keys().next().value; // the slow way, as the caches did before
      const oldest = cache.oldestKey();
      assert.equal(oldest, expected, `step ${step}`);
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
});

test('the order never keeps a deleted value alive (an idle Map iterator would, through obsolete tables)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cache = new EvictionMap<string, Uint8Array>();
  const refs: WeakRef<Uint8Array>[] = [];
  for (let i = 0; i < 20_000; i++) {
    const value = new Uint8Array(64);
    if (i % 1000 === 0) refs.push(new WeakRef(value));
    cache.set(`k${i}`, value);
  }
  for (let i = 0; i < 20_000; i++) cache.delete(`k${i}`); // no eviction: oldestKey() is never called
  cache.set('survivor', new Uint8Array(1));
  // GC a few times, each after a turn of the event loop (a WeakRef made in this job is kept until
  // it ends); a retained value would stay reachable however often it runs.
  for (let round = 0; round < 5 && refs.some((ref) => ref.deref() !== undefined); round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(refs.filter((ref) => ref.deref() !== undefined).length, 0);
});
