import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import { TokenHasher } from '../../../../src/core/tokens/token-ids.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';
import { call } from './dispatch-helper.js';

test('tidy repairs dangling accessors and child keys and revokes children of a vanished parent', async () => {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const store = tokenStoreFor({ storage, clock });
  const root = await store.createRoot({ id: 'root' });
  const mk = (parent: string, ttlSeconds = 0) =>
    store.createToken({ policies: ['a'], parentIdHash: parent, path: 'p', displayName: 'token', ttlSeconds });
  const lost = await mk(root.entry.idHash);
  const vanishedParent = await mk(root.entry.idHash);
  const stranded = await mk(vanishedParent.entry.idHash);
  const strandedChild = await mk(stranded.entry.idHash);
  const healthy = await mk(root.entry.idHash);
  const expiring = await mk(root.entry.idHash, 10);
  // Damage that atomic batches never produce: entries removed behind the store's back.
  storage.entries.delete(`id/${lost.entry.idHash}`);
  storage.entries.delete(`id/${vanishedParent.entry.idHash}`);
  const hasher = new TokenHasher(storage.entries.get('salt')!);
  const indexKey = (accessor: string) => `accessor/${hasher.hashAccessor(accessor)}`;
  storage.entries.delete(indexKey(vanishedParent.accessor));
  clock.advance(10_001); // past expiry + ε (ε = 0): the revocation rule is strict

  const res = await call(store, storage, 'root', 'update', 'tidy', {});
  assert.match(
    res.warnings![0],
    /removed 1 dangling accessors and 2 dangling child index entries; revoked 1 token trees whose parent no longer exists and 1 expired tokens/,
  );
  assert.equal(await store.lookup(stranded.token), undefined);
  assert.equal(await store.lookup(strandedChild.token), undefined);
  assert.ok(await store.lookup(healthy.token));
  assert.equal(await store.lookup(expiring.token), undefined);
  const keys = [...storage.entries.keys()];
  assert.deepEqual(
    keys.filter((k) => k.startsWith('accessor/')).sort(),
    [indexKey(healthy.accessor), indexKey(root.accessor)].sort(),
  );
  assert.deepEqual(
    keys.filter((k) => k.startsWith('parent/')),
    [`parent/${root.entry.idHash}/${healthy.entry.idHash}`],
  );
});
