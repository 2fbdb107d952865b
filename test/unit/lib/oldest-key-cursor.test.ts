import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OldestKeyCursor } from '../../../src/lib/oldest-key-cursor.js';
import { SeededRng } from '../../../src/lib/rng.js';

test('the cursor yields the oldest key first, across many fill-and-evict cycles', () => {
  const map = new Map<number, string>();
  const cursor = new OldestKeyCursor(map);
  const entriesMax = 64;
  let evicted = 0;
  for (let key = 0; key < 10_000; key++) {
    if (map.size >= entriesMax) {
      const oldest = cursor.next();
      assert.equal(oldest, evicted, `after ${key} inserts`);
      map.delete(evicted);
      evicted += 1;
    }
    map.set(key, 'v');
  }
});

test('deleted keys are skipped and a key set again counts as the newest', () => {
  const map = new Map<string, number>([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  const cursor = new OldestKeyCursor(map);
  map.delete('a');
  map.set('a', 4); // now after c
  map.delete('b');
  assert.equal(cursor.next(), 'c');
  map.delete('c');
  assert.equal(cursor.next(), 'a');
  map.delete('a');
  assert.equal(cursor.next(), undefined);
});

test('the cursor keeps working after the map was emptied, cleared or exhausted and refilled', () => {
  const map = new Map<string, number>();
  const cursor = new OldestKeyCursor(map);
  assert.equal(cursor.next(), undefined); // exhausted on an empty map
  map.set('x', 1);
  map.set('y', 2);
  assert.equal(cursor.next(), 'x');
  map.delete('x');
  map.clear();
  assert.equal(cursor.next(), undefined);
  map.set('z', 3);
  map.set('w', 4);
  assert.equal(cursor.next(), 'z');
  map.delete('z');
  assert.equal(cursor.next(), 'w');
});

test('under random sets and deletes the cursor agrees with an insertion-ordered model', () => {
  const rng = new SeededRng(20261206);
  const map = new Map<number, number>();
  const cursor = new OldestKeyCursor(map);
  for (let step = 0; step < 50_000; step++) {
    const roll = rng.intBelow(10);
    const key = rng.intBelow(500);
    if (roll < 6) {
      // Set: an existing key keeps its place in a Map (and in the model: Map order is the model).
      map.set(key, step);
    } else if (roll < 8) {
      map.delete(key);
    } else {
      // What keys().next() would say, computed the slow way, is what the cursor must say.
      const expected = map.keys().next().value;
      const oldest = cursor.next();
      assert.equal(oldest, expected, `step ${step}`);
      if (oldest !== undefined) map.delete(oldest);
    }
  }
});
