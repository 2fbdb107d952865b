/**
 * The dedupe table's bounds: clients are evicted least recently written first (a touched client
 * moves to the end, also across a reload), and one client's applied writes above its floor are
 * capped, oldest forgotten first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientTable } from '../../../../src/storage/raft/client-table.js';

const id = (clientId: string, seq: number, floor = 0) => ({ clientId, seq, part: 0, floor });

test('clients beyond the bound are evicted least recently written first, also after a reload', () => {
  const table = new ClientTable(2, 100);
  const touched = new Set<string>();
  table.admit(id('a', 1), 1, touched);
  table.admit(id('b', 1), 2, touched);
  table.admit(id('a', 2), 3, touched); // a is now the most recent
  table.admit(id('c', 1), 4, touched);
  assert.deepEqual(table.evict(), ['b']);
  assert.equal(table.hasApplied('b', 1), false);
  assert.equal(table.hasApplied('a', 1), true);

  const reloaded = new ClientTable(1, 100);
  // Stored rows come back in key order; the order of last writes decides.
  reloaded.load(['c', 'a'].map((clientId) => ({ clientId, value: table.encode(clientId)! })));
  assert.deepEqual(reloaded.evict(), ['a']);
  assert.equal(reloaded.hasApplied('c', 1), true);
});

test("one client's applied writes are capped; the oldest are forgotten first", () => {
  const table = new ClientTable(10, 3);
  const touched = new Set<string>();
  for (let seq = 1; seq <= 5; seq++) assert.equal(table.admit(id('a', seq, 1), seq, touched), true);
  assert.equal(table.hasApplied('a', 2), false);
  assert.equal(table.hasApplied('a', 3), true);
  assert.equal(table.admit(id('a', 5, 1), 6, touched), false, 'a remembered duplicate');
  assert.equal(table.size, 1);
});

test('a damaged stored record is refused', () => {
  const table = new ClientTable(10, 10);
  assert.throws(() => table.load([{ clientId: 'a', value: new Uint8Array([1, 2, 3]) }]), /malformed dedupe/);
});
