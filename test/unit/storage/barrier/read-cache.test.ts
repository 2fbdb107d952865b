import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FakeClock } from '../../../../src/lib/clock.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { secureRandomBytes } from '../../../../src/lib/rng.js';
import { Barrier } from '../../../../src/storage/barrier/barrier.js';
import { cacheEntryBytes, PlaintextCache } from '../../../../src/storage/barrier/plaintext-cache.js';
import { limits } from '../../../../src/lib/limits.js';
import { MemoryPhysical } from '../../../../src/storage/physical/memory.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

/** Counts physical reads, to tell cache hits from storage reads. */
class CountingPhysical extends MemoryPhysical {
  reads = 0;
  override async get(key: string): Promise<Uint8Array | undefined> {
    this.reads += 1;
    return super.get(key);
  }
}

async function cachedBarrier() {
  const physical = new CountingPhysical();
  const barrier = new Barrier(physical, new FakeClock(), {
    readCache: { entriesMax: 3, bytesMax: 16 * 1024, valueBytesMax: 100 },
  });
  const rootKey = secureRandomBytes(32);
  await barrier.initialize(rootKey);
  return { physical, barrier, rootKey };
}

test('with the read cache on, a repeated read skips storage and returns an independent copy', async () => {
  const { physical, barrier } = await cachedBarrier();
  await barrier.put('a', bytes('one'));
  assert.equal(text(await barrier.get('a')), 'one');
  const reads = physical.reads;
  const copy = await barrier.get('a');
  assert.equal(text(copy), 'one');
  assert.equal(physical.reads, reads, 'served from memory');
  copy!.fill(0);
  assert.equal(text(await barrier.get('a')), 'one', 'mutating a returned value does not touch the cache');
});

test('put, delete and batch are seen by the next read at once', async () => {
  const { barrier } = await cachedBarrier();
  await barrier.put('a', bytes('one'));
  await barrier.get('a');
  await barrier.put('a', bytes('two'));
  assert.equal(text(await barrier.get('a')), 'two');
  await barrier.batch([{ type: 'put', key: 'a', value: bytes('three') }]);
  assert.equal(text(await barrier.get('a')), 'three');
  await barrier.delete('a');
  assert.equal(await barrier.get('a'), undefined);
  await barrier.batch([
    { type: 'put', key: 'a', value: bytes('four') },
    { type: 'delete', key: 'a' },
  ]);
  assert.equal(await barrier.get('a'), undefined);
});

test('a read racing a write never leaves the old value cached', async () => {
  const { barrier } = await cachedBarrier();
  await barrier.put('a', bytes('old'));
  const reading = barrier.get('a'); // reads 'old' from storage...
  const writing = barrier.put('a', bytes('new')); // ...while a write to the same key runs
  assert.equal(text(await reading), 'old');
  await writing;
  assert.equal(text(await barrier.get('a')), 'new');
});

test('sealing drops (and zeroizes) the cache; reads are refused while sealed', async () => {
  const { physical, barrier, rootKey } = await cachedBarrier();
  await barrier.put('a', bytes('secret'));
  await barrier.get('a');
  barrier.seal();
  await assert.rejects(barrier.get('a'), (err) => isArcaError(err) && err.code === 'sealed');
  await barrier.unseal(rootKey);
  const reads = physical.reads;
  assert.equal(text(await barrier.get('a')), 'secret');
  assert.ok(physical.reads > reads, 'read from storage again after unseal');
});

test('the cache is bounded by entries, bytes and value size, and clear zeroizes', () => {
  // Room for two 4-byte entries, not for a 4-byte and a 6-byte one.
  const cache = new PlaintextCache(2, 2 * cacheEntryBytes('a', 4) + 1, 6);
  cache.fill('a', bytes('aaaa'), cache.generation());
  cache.fill('b', bytes('bbbb'), cache.generation());
  cache.fill('c', bytes('cccc'), cache.generation());
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a'), undefined, 'oldest evicted');
  cache.fill('d', bytes('dddddd'), cache.generation());
  assert.equal(cache.get('b'), undefined, 'evicted to stay within the byte bound');
  cache.fill('e', bytes('eeeeeee'), cache.generation());
  assert.equal(cache.get('e'), undefined, 'values over the size bound are not cached');
  const generation = cache.generation();
  cache.invalidate(['zzz']);
  cache.fill('f', bytes('f'), generation);
  assert.equal(cache.get('f'), undefined, 'fill after an invalidation refused');
  cache.clear();
  assert.equal(cache.size, 0);
});

test('the byte bound charges keys and per-entry overhead, and a KV v2 working set of 10k keys fits', () => {
  const small = new PlaintextCache(1_000_000, 10 * cacheEntryBytes('k0000', 1), 100);
  for (let i = 0; i < 100; i++) small.fill(`k${String(i).padStart(4, '0')}`, bytes('x'), small.generation());
  assert.equal(small.size, 10, '1-byte values are charged their overhead too');
  assert.ok(small.chargedBytes <= 10 * cacheEntryBytes('k0000', 1));
  // Metadata and version entries of 10k keys with 256-byte values (~20k entries) under the defaults.
  const cache = new PlaintextCache(
    limits.barrierReadCacheEntriesMax,
    limits.barrierReadCacheBytesMax,
    limits.barrierReadCacheValueBytesMax,
  );
  const mount = 'logical/0f8fad5b-d9cb-469f-a165-70867728950e/';
  for (let i = 0; i < 10_000; i++) {
    cache.fill(`${mount}metadata/k${i}`, new Uint8Array(220), cache.generation());
    cache.fill(`${mount}versions/k${i}/1`, new Uint8Array(330), cache.generation());
  }
  assert.equal(cache.size, 20_000, 'nothing evicted');
  assert.equal(cache.get(`${mount}metadata/k0`)?.length, 220, 'the oldest entry is still cached');
  assert.ok(cache.chargedBytes <= limits.barrierReadCacheBytesMax);
});

test('a successful write is cached (write-through): the next read needs no storage read', async () => {
  const { physical, barrier } = await cachedBarrier();
  const value = bytes('one');
  await barrier.put('a', value);
  value.fill(0); // the caller's buffer is not the cached one
  await barrier.batch([
    { type: 'put', key: 'b', value: bytes('two') },
    { type: 'delete', key: 'c' },
  ]);
  const reads = physical.reads;
  assert.equal(text(await barrier.get('a')), 'one');
  assert.equal(text(await barrier.get('b')), 'two');
  assert.equal(await barrier.get('c'), undefined);
  assert.equal(physical.reads, reads + 1, 'only the deleted key went to storage');
});

test('overlapping writes to one key cache nothing, and reads see the stored value', async () => {
  const { physical, barrier } = await cachedBarrier();
  const first = barrier.put('a', bytes('one'));
  const second = barrier.put('a', bytes('two'));
  await Promise.all([first, second]);
  const reads = physical.reads;
  assert.equal(text(await barrier.get('a')), 'two');
  assert.equal(physical.reads, reads + 1, 'not written through: read from storage');
});

test('write-through caches nothing for a failed write, a write in flight at seal, or duplicate keys', () => {
  const cache = new PlaintextCache(8, 8 * cacheEntryBytes('k', 100), 100);
  cache.beginWrite(['a']);
  cache.endWrite(['a']);
  assert.equal(cache.get('a'), undefined, 'failed write');
  cache.beginWrite(['b']);
  cache.clear();
  cache.endWrite(['b'], new Map([['b', bytes('bb')]]));
  assert.equal(cache.get('b'), undefined, 'sealed while in flight');
  cache.beginWrite(['c', 'c']);
  cache.endWrite(['c', 'c'], new Map([['c', bytes('cc')]]));
  assert.equal(cache.get('c'), undefined, 'one batch writing a key twice');
  cache.beginWrite(['d']);
  cache.endWrite(['d'], new Map([['d', bytes('dd')]]));
  assert.equal(text(cache.get('d')), 'dd', 'a lone successful write is cached');
});

test('cached values are held in their own memory, never in a slice of a shared Buffer pool', () => {
  // A pooled slice keeps its whole 8 KiB pool alive for as long as it is cached (measured: ~7 KiB
  // per 350-byte entry under request traffic, `node dist/bench/cache-memory.js`).
  const cache = new PlaintextCache(100, 1_000_000, 1000);
  Buffer.from('some pooled traffic'); // make sure the pool is in use
  for (let i = 0; i < 10; i++) cache.fill(`k${i}`, bytes(`value ${i}`), cache.generation());
  const held = (cache as unknown as { entries: Map<string, Buffer> }).entries;
  assert.equal(held.size, 10);
  for (const [key, value] of held) {
    assert.equal(value.buffer.byteLength, value.length, `${key} owns its ArrayBuffer`);
    assert.equal(value.byteOffset, 0);
  }
  assert.equal(text(cache.get('k3')), 'value 3');
});

test('absence is cached: a second read of a missing key needs no storage read, and any write ends it', async () => {
  const { physical, barrier } = await cachedBarrier();
  assert.equal(await barrier.get('config'), undefined);
  const reads = physical.reads;
  assert.equal(await barrier.get('config'), undefined);
  assert.equal(physical.reads, reads, 'the absence was served from memory');
  await barrier.put('config', bytes('one'));
  assert.equal(text(await barrier.get('config')), 'one', 'a put ends a cached absence');
  await barrier.delete('config');
  assert.equal(await barrier.get('config'), undefined);
  assert.equal(await barrier.get('config'), undefined);
  await barrier.batch([{ type: 'put', key: 'config', value: bytes('two') }]);
  assert.equal(text(await barrier.get('config')), 'two', 'a batch ends a cached absence');
  await barrier.delete('config');
  assert.equal(await barrier.get('config'), undefined);
  await physical.put('config', new Uint8Array(0)); // written below the barrier (as Raft applies do)
  barrier.invalidate(['config']);
  const before = physical.reads;
  await assert.rejects(barrier.get('config'), (err) => isArcaError(err) && err.code === 'integrity_failure');
  assert.ok(physical.reads > before, 'a write below the barrier (invalidate) ends a cached absence');
});

test('a read of a missing key racing a write never leaves the absence cached', async () => {
  const { barrier } = await cachedBarrier();
  const reading = barrier.get('a'); // finds nothing in storage...
  const writing = barrier.put('a', bytes('new')); // ...while a write creates the key
  assert.equal(await reading, undefined);
  await writing;
  assert.equal(text(await barrier.get('a')), 'new');
});

test('absent entries are charged against the bounds like empty values and survive clear as nothing', () => {
  const cache = new PlaintextCache(2, 10_000, 100);
  cache.fill('x', null, cache.generation());
  assert.equal(cache.lookup('x'), null);
  assert.equal(cache.get('x'), undefined, 'get() does not tell an absence from a miss');
  assert.equal(cache.chargedBytes, cacheEntryBytes('x', 0));
  cache.fill('y', bytes('v'), cache.generation());
  cache.fill('z', null, cache.generation());
  assert.equal(cache.size, 2, 'the oldest entry (the absence of x) was evicted');
  assert.equal(cache.lookup('x'), undefined);
  cache.clear();
  assert.equal(cache.lookup('z'), undefined);
  assert.equal(cache.chargedBytes, 0);
});

test('eviction is oldest-inserted first, and a dropped value is not kept alive by the eviction order', async () => {
  const cache = new PlaintextCache(4, 1024 * 1024, 1024);
  for (const key of ['a', 'b', 'c', 'd']) cache.fill(key, bytes(key), cache.generation());
  cache.invalidate(['b']);
  cache.fill('b', bytes('b2'), cache.generation()); // re-inserted: now the newest
  cache.fill('e', bytes('e'), cache.generation()); // evicts a
  cache.fill('f', bytes('f'), cache.generation()); // evicts c
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => text(cache.get(key))),
    [undefined, 'b2', undefined, 'd', 'e', 'f'],
  );

  // A cache that grows without evicting, then drops everything: the dropped copies must be freed
  // (a Map iterator kept for eviction would hold them through the Map's obsolete tables).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const big = new PlaintextCache(1_000_000, 1024 * 1024 * 1024, 4096);
  const value = new Uint8Array(1024);
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 20_000; i++) big.fill(`k${i}`, value, big.generation());
  big.invalidate(Array.from({ length: 20_000 }, (_, i) => `k${i}`));
  big.fill('survivor', value, big.generation());
  // Backing stores are freed by a sweeper that may finish after gc() returns: collect again after a
  // turn of the event loop, a bounded number of times; values still reachable never go.
  const keptBytes = (): number => process.memoryUsage().arrayBuffers - before;
  for (let round = 0; round < 5 && keptBytes() >= 4 * 1024 * 1024; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.ok(keptBytes() < 4 * 1024 * 1024, `${keptBytes()} bytes of dropped values still held`);
});
