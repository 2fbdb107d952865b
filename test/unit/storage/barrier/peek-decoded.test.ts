import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { deepFreeze } from '../../../../src/lib/deep-freeze.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { secureRandomBytes } from '../../../../src/lib/rng.js';
import { Barrier } from '../../../../src/storage/barrier/barrier.js';
import {
  cacheEntryBytes,
  decodedEntryBytes,
  PlaintextCache,
} from '../../../../src/storage/barrier/plaintext-cache.js';
import type { PhysicalOp } from '../../../../src/storage/physical/physical.js';
import { MemoryPhysical } from '../../../../src/storage/physical/memory.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** Counts decodes, so a memoised answer can be told from a fresh one. */
function countingDecoder() {
  const decoder = (raw: Uint8Array) => {
    decoder.calls += 1;
    return deepFreeze(JSON.parse(Buffer.from(raw).toString('utf8')) as { n: number });
  };
  decoder.calls = 0;
  return decoder;
}

/** A physical backend whose batches can be held in flight until released. */
class GatedPhysical extends MemoryPhysical {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async batch(ops: PhysicalOp[]): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    return super.batch(ops);
  }
}

test('peekDecoded: a miss is undefined, a cached absence null, a hit decoded once and shared', () => {
  const cache = new PlaintextCache(10, 1 << 20, 1024);
  const decode = countingDecoder();
  assert.equal(cache.peekDecoded('a', decode), undefined);
  cache.fill('gone', null, cache.generation());
  assert.equal(cache.peekDecoded('gone', decode), null);
  cache.fill('a', bytes('{"n":1}'), cache.generation());
  const first = cache.peekDecoded('a', decode);
  const second = cache.peekDecoded('a', decode);
  assert.deepEqual(first, { n: 1 });
  assert.equal(second, first, 'the same decoded value is shared');
  assert.equal(decode.calls, 1);
  assert.ok(Object.isFrozen(first));
  // Another decoder over the same entry gets its own decode (the memo is keyed by the decoder).
  const other = countingDecoder();
  assert.deepEqual(cache.peekDecoded('a', other), { n: 1 });
  assert.equal(other.calls, 1);
});

test('peekDecoded: the memo is dropped with its entry and charged against the byte bound', () => {
  const value = bytes('{"n":1}');
  const entry = cacheEntryBytes('a', value.length);
  const cache = new PlaintextCache(10, entry + decodedEntryBytes(value.length), 1024);
  const decode = countingDecoder();
  cache.fill('a', value, cache.generation());
  cache.peekDecoded('a', decode);
  assert.equal(cache.chargedBytes, entry + decodedEntryBytes(value.length));
  cache.fill('a', bytes('{"n":2}'), cache.generation());
  assert.equal(cache.chargedBytes, entry, 'replacing the entry dropped its memo');
  assert.deepEqual(cache.peekDecoded('a', decode), { n: 2 }, 'never the old decoded value');
  cache.invalidate(['a']);
  assert.equal(cache.chargedBytes, 0);
  assert.equal(cache.peekDecoded('a', decode), undefined);
  // No room for the memo: the value is decoded for this caller but not kept.
  const tight = new PlaintextCache(10, entry, 1024);
  tight.fill('a', value, tight.generation());
  const calls = decode.calls;
  assert.deepEqual(tight.peekDecoded('a', decode), { n: 1 });
  assert.deepEqual(tight.peekDecoded('a', decode), { n: 1 });
  assert.equal(decode.calls, calls + 2);
  assert.equal(tight.chargedBytes, entry);
  cache.fill('b', value, cache.generation());
  cache.peekDecoded('b', decode);
  cache.clear();
  assert.equal(cache.chargedBytes, 0);
  assert.equal(cache.peekDecoded('b', decode), undefined);
});

test('peekDecoded declines while a write to the key is in flight, even when the key is cached', () => {
  const cache = new PlaintextCache(10, 1 << 20, 1024);
  const decode = countingDecoder();
  cache.beginWrite(['a']);
  // A read that began and ended inside the write's window may fill the key (old or new value).
  cache.fill('a', bytes('{"n":1}'), cache.generation());
  assert.equal(cache.peekDecoded('a', decode), undefined);
  cache.endWrite(['a'], new Map([['a', bytes('{"n":2}')]]));
  assert.deepEqual(cache.peekDecoded('a', decode), { n: 2 });
});

test('Barrier.peekDecoded: hits only, sealed refused, reserved keys refused, batch seen whole', async () => {
  const physical = new GatedPhysical();
  const barrier = new Barrier(physical, new FakeClock(), {
    readCache: { entriesMax: 100, bytesMax: 1 << 20, valueBytesMax: 1024 },
  });
  const rootKey = secureRandomBytes(32);
  await barrier.initialize(rootKey);
  const decode = countingDecoder();
  await barrier.batch([
    { type: 'put', key: 'm', value: bytes('{"n":1}') },
    { type: 'put', key: 'd', value: bytes('{"n":1}') },
  ]);
  assert.deepEqual(barrier.peekDecoded('m', decode), { n: 1 }, 'written through');
  physical.hold();
  const writing = barrier.batch([
    { type: 'put', key: 'm', value: bytes('{"n":2}') },
    { type: 'put', key: 'd', value: bytes('{"n":2}') },
  ]);
  assert.equal(barrier.peekDecoded('m', decode), undefined, 'in flight: not answered');
  assert.equal(barrier.peekDecoded('d', decode), undefined);
  physical.release();
  await writing;
  assert.deepEqual(barrier.peekDecoded('m', decode), { n: 2 });
  assert.deepEqual(barrier.peekDecoded('d', decode), { n: 2 });
  assert.throws(
    () => barrier.peekDecoded('core/keyring', decode),
    (err) => isArcaError(err, 'permission_denied'),
  );
  barrier.seal();
  assert.throws(
    () => barrier.peekDecoded('m', decode),
    (err) => isArcaError(err, 'sealed'),
  );
  const uncached = new Barrier(new MemoryPhysical(), new FakeClock());
  await uncached.initialize(rootKey);
  await uncached.put('m', bytes('{"n":1}'));
  assert.equal(uncached.peekDecoded('m', decode), undefined, 'no read cache: always get');
});
