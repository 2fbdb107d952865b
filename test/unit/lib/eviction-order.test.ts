import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EvictionOrder } from '../../../src/lib/eviction-order.js';
import { SeededRng } from '../../../src/lib/rng.js';

/** A Map whose insertion order is mirrored by an EvictionOrder, as the caches use it. */
class OrderedMap<K, V> {
  readonly map = new Map<K, V>();
  readonly order = new EvictionOrder<K>();
  set(key: K, value: V): void {
    const present = this.map.has(key);
    this.map.set(key, value);
    if (!present) this.order.added(key);
  }
  delete(key: K): void {
    if (this.map.delete(key)) this.order.removed(key);
  }
  clear(): void {
    this.map.clear();
    this.order.clear();
  }
}

test('the oldest key comes first, across many fill-and-evict cycles', () => {
  const cache = new OrderedMap<number, string>();
  const entriesMax = 64;
  let evicted = 0;
  for (let key = 0; key < 10_000; key++) {
    if (cache.map.size >= entriesMax) {
      assert.equal(cache.order.next(), evicted, `after ${key} inserts`);
      cache.delete(evicted);
      evicted += 1;
    }
    cache.set(key, 'v');
  }
});

test('deleted keys are skipped, a key set again while present keeps its place, re-added counts as new', () => {
  const cache = new OrderedMap<string, number>();
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  cache.set('b', 5); // present: keeps its place
  cache.delete('a');
  cache.set('a', 4); // re-added: now the newest
  assert.equal(cache.order.next(), 'b');
  cache.delete('b');
  assert.equal(cache.order.next(), 'c');
  cache.delete('c');
  assert.equal(cache.order.next(), 'a');
  cache.delete('a');
  assert.equal(cache.order.next(), undefined);
});

test('the order keeps working after clear, and after running empty', () => {
  const cache = new OrderedMap<string, number>();
  assert.equal(cache.order.next(), undefined);
  cache.set('x', 1);
  cache.set('y', 2);
  cache.clear();
  assert.equal(cache.order.next(), undefined);
  cache.set('z', 3);
  cache.set('w', 4);
  assert.equal(cache.order.next(), 'z');
  cache.delete('z');
  assert.equal(cache.order.next(), 'w');
});

test('under random sets and deletes the oldest key agrees with the Map’s own insertion order', () => {
  const rng = new SeededRng(20261206);
  const cache = new OrderedMap<number, number>();
  for (let step = 0; step < 50_000; step++) {
    const roll = rng.intBelow(10);
    const key = rng.intBelow(500);
    if (roll < 6) cache.set(key, step);
    else if (roll < 8) cache.delete(key);
    else {
      const expected = cache.map.keys().next().value; // the slow way, as the caches did before
      const oldest = cache.order.next();
      assert.equal(oldest, expected, `step ${step}`);
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
});

test('the order never keeps a deleted value alive (an idle Map iterator would, through obsolete tables)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cache = new OrderedMap<string, Uint8Array>();
  const refs: WeakRef<Uint8Array>[] = [];
  for (let i = 0; i < 20_000; i++) {
    const value = new Uint8Array(64);
    if (i % 1000 === 0) refs.push(new WeakRef(value));
    cache.set(`k${i}`, value);
  }
  for (let i = 0; i < 20_000; i++) cache.delete(`k${i}`); // no eviction: next() is never called
  cache.set('survivor', new Uint8Array(1));
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(refs.filter((ref) => ref.deref() !== undefined).length, 0);
});
