import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import type { StorageOp } from '../../../../src/logical/storage-view.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';
import { call } from './dispatch-helper.js';

/** Fails the `failAt`-th batch (1-based) after the earlier ones were applied: a crash mid-migration. */
class CrashingStorage extends MemoryStorageView {
  failAt = 0;

  override async batch(ops: StorageOp[]): Promise<void> {
    if (this.failAt !== 0 && this.batchCalls + 1 === this.failAt) {
      this.batchCalls += 1;
      throw new Error('crash during batch');
    }
    await super.batch(ops);
  }
}

async function populated(storage: MemoryStorageView, clock: FakeClock, children: number) {
  const store = tokenStoreFor({ storage, clock });
  await store.initialize();
  const root = await store.createRoot({ id: 'root' });
  const made = [];
  for (let i = 0; i < children; i++) {
    made.push(
      await store.createToken({
        policies: ['default'],
        parentIdHash: root.entry.idHash,
        path: 'auth/token/create',
        displayName: 'token',
      }),
    );
  }
  return { root, children: made };
}

/**
 * Rewrites the accessor index in the layout of older stores — `accessor/<accessor>` →
 * `{"idHash":...}` — directly through the storage view.
 */
function rewriteAsLegacyLayout(storage: MemoryStorageView): void {
  for (const key of storage.keys().filter((k) => k.startsWith('accessor/'))) {
    const value = JSON.parse(Buffer.from(storage.entries.get(key)!).toString('utf8')) as {
      idHash: string;
      accessor?: string;
    };
    const accessor = value.accessor ?? key.slice('accessor/'.length);
    storage.entries.delete(key);
    storage.entries.set(`accessor/${accessor}`, Buffer.from(JSON.stringify({ idHash: value.idHash })));
  }
}

function keysMentioning(storage: MemoryStorageView, accessors: string[]): string[] {
  return storage.keys().filter((k) => accessors.some((a) => k.includes(a)));
}

test('the accessor index is keyed by a salted hash: no storage key contains an accessor', async () => {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const { root, children } = await populated(storage, new FakeClock(), 2);
  const accessors = [root.accessor, ...children.map((c) => c.accessor)];
  assert.deepEqual(keysMentioning(storage, accessors), []);
  const indexKeys = storage.keys().filter((k) => k.startsWith('accessor/'));
  assert.equal(indexKeys.length, 3);
  for (const key of indexKeys) assert.match(key, /^accessor\/[0-9a-f]{64}$/);
  // The accessor hash is not the id hash of the same string (domain separation).
  const store = tokenStoreFor({ storage, clock: new FakeClock() });
  const sameStringToken = await store.createToken({
    policies: ['a'],
    path: 'p',
    displayName: 't',
    id: root.accessor,
  });
  assert.ok(!storage.keys().includes(`accessor/${sameStringToken.entry.idHash}`));
  assert.deepEqual(await store.listAccessors(), [...accessors, sameStringToken.accessor].sort());
  assert.equal((await store.lookupByAccessor(children[0].accessor))?.idHash, children[0].entry.idHash);
  assert.equal(await store.lookupByAccessor('A'.repeat(24)), undefined);
});

test('a store in the old plaintext-keyed layout is migrated on unseal; lookup and revocation by accessor work', async () => {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const { root, children } = await populated(storage, clock, 3);
  const accessors = [root.accessor, ...children.map((c) => c.accessor)];
  rewriteAsLegacyLayout(storage);
  assert.equal(keysMentioning(storage, accessors).length, 4, 'the legacy layout names accessors');

  const store = tokenStoreFor({ storage, clock });
  await store.initialize(); // what unseal does
  assert.deepEqual(keysMentioning(storage, accessors), []);
  assert.equal(storage.keys().filter((k) => k.startsWith('accessor/')).length, 4);
  assert.deepEqual(await store.listAccessors(), [...accessors].sort());

  const listed = await call(store, storage, 'root', 'list', 'accessors');
  assert.deepEqual(listed.data?.keys, [...accessors].sort());
  const looked = await call(store, storage, 'root', 'update', 'lookup-accessor', {
    accessor: children[0].accessor,
  });
  assert.equal(looked.data?.accessor, children[0].accessor);
  assert.equal(looked.data?.id, '');

  await call(store, storage, 'root', 'update', 'revoke-accessor', { accessor: children[1].accessor });
  assert.equal(await store.authenticate(children[1].token), undefined);
  assert.equal(await store.lookupByAccessor(children[1].accessor), undefined);
  assert.equal(storage.keys().filter((k) => k.startsWith('accessor/')).length, 3, 'its index key went too');
  assert.ok(await store.authenticate(children[2].token));
});

test('an accessor migration interrupted by a crash is finished by the next unseal, and is idempotent', async () => {
  const storage = new CrashingStorage({ yieldEachCall: true });
  const clock = new FakeClock();
  const { root, children } = await populated(storage, clock, 4);
  const accessors = [root.accessor, ...children.map((c) => c.accessor)];
  rewriteAsLegacyLayout(storage);

  storage.failAt = storage.batchCalls + 3; // two entries migrate, the third batch "crashes"
  await assert.rejects(tokenStoreFor({ storage, clock }).initialize(), /crash during batch/);
  storage.failAt = 0;
  assert.equal(keysMentioning(storage, accessors).length, 3, 'each entry is in exactly one layout');
  assert.equal(storage.keys().filter((k) => k.startsWith('accessor/')).length, 5);

  const store = tokenStoreFor({ storage, clock });
  await store.initialize();
  assert.deepEqual(keysMentioning(storage, accessors), []);
  assert.deepEqual(await store.listAccessors(), [...accessors].sort());
  const batches = storage.batchCalls;
  const snapshot = storage.dump();
  await store.initialize();
  assert.equal(storage.batchCalls, batches, 'an up-to-date store is not rewritten');
  assert.equal(storage.dump(), snapshot);
  for (const c of children) {
    assert.equal((await store.lookupByAccessor(c.accessor))?.idHash, c.entry.idHash);
  }
  await store.revokeTree(root.entry.idHash);
  assert.deepEqual(
    storage.keys().filter((k) => k.startsWith('accessor/')),
    [],
  );
});
