import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import { TokenEntryCache } from '../../../../src/core/tokens/token-cache.js';
import type { StoredToken } from '../../../../src/core/tokens/token-entry.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';

/** Counts reads of token entries, to tell cache hits from storage reads. */
class CountingStorage extends MemoryStorageView {
  entryReads = 0;
  override async get(key: string): Promise<Uint8Array | undefined> {
    if (key.startsWith('id/')) this.entryReads += 1;
    return super.get(key);
  }
}

async function setup() {
  const storage = new CountingStorage({ yieldEachCall: true });
  const clock = new FakeClock();
  const store = tokenStoreFor({ storage, clock });
  await store.initialize();
  const root = await store.createRoot();
  return { storage, clock, store, root };
}

test('an unlimited-use token is served from memory after the first authentication', async () => {
  const { storage, store, root } = await setup();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 't',
  });
  assert.equal((await store.authenticate(t.token))?.accessor, t.accessor);
  const reads = storage.entryReads;
  for (let i = 0; i < 5; i++) assert.equal((await store.authenticate(t.token))?.accessor, t.accessor);
  assert.equal(storage.entryReads, reads, 'no storage read on a cache hit');
  // Cache hits share one frozen view of the entry: no copy per request, and no caller can change
  // what the next request sees.
  const shared = await store.authenticate(t.token);
  assert.equal(await store.authenticate(t.token), shared, 'one view per cached entry');
  assert.throws(() => shared!.policies.push('root'), TypeError);
  assert.throws(() => {
    (shared as { displayName: string }).displayName = 'x';
  }, TypeError);
  assert.deepEqual((await store.authenticate(t.token))?.policies, ['default']);
  assert.equal(Object.hasOwn(shared!, 'revoked'), false, 'the public view, without storage marks');
});

test('revocation takes effect at once for a cached token (and its children)', async () => {
  const { store, root } = await setup();
  const parent = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'a',
  });
  const child = await store.createToken({
    policies: ['default'],
    parentIdHash: parent.entry.idHash,
    path: 'p',
    displayName: 'b',
  });
  assert.ok(await store.authenticate(parent.token));
  assert.ok(await store.authenticate(child.token));
  await store.revokeTree(parent.entry.idHash);
  assert.equal(await store.authenticate(parent.token), undefined);
  assert.equal(await store.authenticate(child.token), undefined);
});

test('a cached token still expires by the clock, and renewal is seen at once', async () => {
  const { store, clock, root } = await setup();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 't',
    ttlSeconds: 60,
  });
  assert.ok(await store.authenticate(t.token));
  clock.advance(30_000);
  const renewed = await store.renew(t.entry.idHash, 120);
  assert.equal(renewed?.entry.expireTimeMs, clock.wallMs() + 120_000);
  assert.equal((await store.authenticate(t.token))?.expireTimeMs, clock.wallMs() + 120_000);
  clock.advance(119_000);
  assert.ok(await store.authenticate(t.token));
  clock.advance(1_000);
  assert.equal(await store.authenticate(t.token), undefined, 'expired on the clock, cache or not');
});

test('limited-use tokens are never cached: every use is spent in storage', async () => {
  const { storage, store, root } = await setup();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 't',
    numUses: 3,
  });
  const before = storage.entryReads;
  assert.equal((await store.authenticate(t.token))?.numUses, 2);
  assert.equal((await store.authenticate(t.token))?.numUses, 1);
  assert.equal((await store.authenticate(t.token))?.numUses, -1);
  assert.equal(await store.authenticate(t.token), undefined);
  assert.ok(storage.entryReads - before >= 4);
});

test('a read that raced an invalidation does not fill the cache; the bound holds', () => {
  const cache = new TokenEntryCache(2);
  const entry = (idHash: string, numUses = 0) =>
    ({ idHash, numUses, policies: [] }) as unknown as StoredToken;
  const generation = cache.generation();
  cache.invalidate('a');
  cache.fill(entry('a'), generation);
  assert.equal(cache.get('a'), undefined, 'stale fill refused');
  cache.fill(entry('a'), cache.generation());
  cache.fill(entry('b'), cache.generation());
  cache.fill(entry('c'), cache.generation());
  cache.fill(entry('d', 2), cache.generation());
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a'), undefined, 'oldest evicted');
  assert.equal(cache.get('d'), undefined, 'limited-use never cached');
  cache.clear();
  assert.equal(cache.size, 0);
});

test('writes through the invalidating view drop the entry before and after the write', async () => {
  const cache = new TokenEntryCache();
  const storage = new MemoryStorageView();
  const view = cache.invalidatingView(storage);
  cache.fill({ idHash: 'h', numUses: 0, policies: [] } as unknown as StoredToken, cache.generation());
  const writing = view.batch([{ type: 'put', key: 'id/h', value: new Uint8Array(1) }]);
  assert.equal(cache.get('h'), undefined, 'dropped as the write starts');
  const generation = cache.generation();
  await writing;
  cache.fill({ idHash: 'h', numUses: 0, policies: [] } as unknown as StoredToken, generation);
  assert.equal(cache.get('h'), undefined, 'a read begun mid-write cannot fill');
});
