import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import type { TokenEntry } from '../../../../src/core/tokens/token-store.js';
import { tokenKeys } from '../../../../src/core/tokens/token-entry.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';
import { expiringTokenStore, tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';

function setup(opts: { onRevoke?: (e: TokenEntry) => Promise<void> } = {}) {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const { store, expireDue } = expiringTokenStore({ storage, clock, onRevoke: opts.onRevoke });
  return { storage, clock, store, expireDue };
}

test('tokens look like Vault service tokens and are stored only as salted hashes', async () => {
  const { store, storage } = setup();
  await store.initialize();
  const root = await store.createRoot();
  const child = await store.createToken({
    policies: ['default', 'web'],
    parentIdHash: root.entry.idHash,
    path: 'auth/token/create',
    displayName: 'token',
  });
  assert.match(child.token, /^hvs\.[A-Za-z0-9]{24}$/);
  assert.match(child.accessor, /^[A-Za-z0-9]{24}$/);
  const dump = storage.dump();
  assert.ok(!dump.includes(child.token) && !dump.includes(child.token.slice(4)));
  assert.ok(!dump.includes(root.token.slice(4)));
  assert.ok(!storage.keys().some((k) => k.includes(child.accessor)), 'the accessor index is hashed');
  assert.equal((await store.authenticate(child.token))?.accessor, child.accessor);
  assert.equal(await store.authenticate('hvs.nope'), undefined);
  assert.equal(await store.authenticate(''), undefined);
});

test('the salt persists: a second store over the same storage accepts existing tokens', async () => {
  const { store, storage, clock } = setup();
  const root = await store.createRoot({ id: 'root' });
  assert.equal(root.token, 'root');
  const again = tokenStoreFor({ storage, clock });
  await again.initialize();
  assert.deepEqual((await again.authenticate('root'))?.policies, ['root']);
});

test('root tokens never expire; a normal token gets the 768h default', async () => {
  const { store, clock } = setup();
  const root = await store.createRoot();
  assert.equal(root.entry.expireTimeMs, 0);
  assert.equal(root.entry.ttlSeconds, 0);
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
  });
  assert.equal(t.entry.ttlSeconds, 768 * 3600);
  clock.advance(10_000 * 3600 * 1000);
  assert.ok(await store.authenticate(root.token));
  assert.equal(await store.authenticate(t.token), undefined);
});

test('an expired token is rejected at use time before cleanup runs, then removed by the expiry tick', async () => {
  const { store, clock, storage, expireDue } = setup();
  const root = await store.createRoot();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    ttlSeconds: 60,
  });
  clock.advance(59_000);
  assert.ok(await store.authenticate(t.token));
  clock.advance(1_000);
  assert.equal(await store.authenticate(t.token), undefined);
  assert.equal(await store.lookupByAccessor(t.accessor), undefined);
  assert.ok(storage.entries.has(`id/${t.entry.idHash}`), 'still stored until the tick');
  assert.equal(await expireDue(), 0, 'not at expiry exactly (the rule is now > expiry + ε, ε = 0)');
  clock.advance(1);
  assert.equal(await expireDue(), 1);
  assert.ok(!storage.entries.has(`id/${t.entry.idHash}`));
  assert.ok(!storage.dump().includes(t.accessor), 'its accessor index entry is gone');
  assert.ok(!storage.entries.has(`parent/${root.entry.idHash}/${t.entry.idHash}`));
  assert.equal(await expireDue(), 0);
});

test("the expiration manager's restore re-indexes tokens of a new store over the same storage", async () => {
  const { store, clock, storage } = setup();
  const root = await store.createRoot();
  const t = await store.createToken({
    policies: ['a'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    ttlSeconds: 5,
  });
  const fresh = expiringTokenStore({ storage, clock });
  await fresh.restore();
  clock.advance(5_001);
  assert.equal(await fresh.expireDue(), 1);
  assert.ok(!storage.entries.has(`id/${t.entry.idHash}`));
});

test('revoking a parent revokes children and grandchildren, but not orphans', async () => {
  const revoked: string[] = [];
  const { store, storage } = setup({ onRevoke: async (e) => void revoked.push(e.accessor) });
  const root = await store.createRoot();
  const mk = (parent: string) =>
    store.createToken({ policies: ['a'], parentIdHash: parent, path: 'p', displayName: 'token' });
  const parent = await mk(root.entry.idHash);
  const child = await mk(parent.entry.idHash);
  const grandchild = await mk(child.entry.idHash);
  const orphan = await store.createToken({ policies: ['a'], path: 'p', displayName: 'token' });
  await store.revokeTree(parent.entry.idHash);
  for (const t of [parent, child, grandchild]) assert.equal(await store.authenticate(t.token), undefined);
  assert.ok(await store.authenticate(orphan.token));
  assert.ok(await store.authenticate(root.token));
  assert.deepEqual(revoked.sort(), [parent.accessor, child.accessor, grandchild.accessor].sort());
  assert.ok(!storage.dump().includes(grandchild.entry.idHash), 'no index key left behind');
  assert.deepEqual(await storage.list(`parent/${root.entry.idHash}/`), []);
});

test('revokeOrphan makes direct children orphans that keep working', async () => {
  const { store } = setup();
  const root = await store.createRoot();
  const mk = (parent: string) =>
    store.createToken({ policies: ['a'], parentIdHash: parent, path: 'p', displayName: 'token' });
  const parent = await mk(root.entry.idHash);
  const child = await mk(parent.entry.idHash);
  const grandchild = await mk(child.entry.idHash);
  await store.revokeOrphan(parent.entry.idHash);
  assert.equal(await store.authenticate(parent.token), undefined);
  const c = await store.authenticate(child.token);
  assert.equal(c?.orphan, true);
  assert.equal(c?.parentIdHash, '');
  assert.equal((await store.authenticate(grandchild.token))?.parentIdHash, child.entry.idHash);
  await store.revokeTree(root.entry.idHash);
  assert.ok(await store.authenticate(child.token), 'an orphan survives revocation of its former ancestors');
});

test('a revoked parent cannot gain children, even concurrently with its revocation', async () => {
  const { store } = setup();
  const root = await store.createRoot();
  const parent = await store.createToken({
    policies: ['a'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
  });
  const results = await Promise.allSettled([
    store.revokeTree(parent.entry.idHash),
    ...Array.from({ length: 10 }, () =>
      store.createToken({
        policies: ['a'],
        parentIdHash: parent.entry.idHash,
        path: 'p',
        displayName: 'token',
      }),
    ),
  ]);
  for (const r of results.slice(1)) {
    if (r.status === 'fulfilled') {
      const created = r.value as { token: string };
      assert.equal(
        await store.authenticate(created.token),
        undefined,
        'a child that got in was revoked with the tree',
      );
    }
  }
  await assert.rejects(
    store.createToken({
      policies: ['a'],
      parentIdHash: parent.entry.idHash,
      path: 'p',
      displayName: 'token',
    }),
    /parent token is no longer valid/,
  );
});

test('num_uses under 50 concurrent authenticate calls: exactly 5 succeed and the last use revokes', async () => {
  const { store, storage, expireDue } = setup();
  const root = await store.createRoot();
  const t = await store.createToken({
    policies: ['a'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    numUses: 5,
  });
  const results = await Promise.all(Array.from({ length: 50 }, () => store.authenticate(t.token)));
  const ok = results.filter((r) => r !== undefined);
  assert.equal(ok.length, 5);
  assert.deepEqual(ok.map((r) => r?.numUses).sort(), [-1, 1, 2, 3, 4]);
  assert.equal(await store.authenticate(t.token), undefined);
  assert.equal(await expireDue(), 1);
  assert.ok(!storage.entries.has(`id/${t.entry.idHash}`));
});

test('a failing batch leaves no partial token behind', async () => {
  const { store, storage } = setup();
  await store.initialize();
  const before = storage.entries.size;
  storage.failNextBatch = true;
  await assert.rejects(store.createToken({ policies: ['a'], path: 'p', displayName: 'token' }));
  assert.equal(storage.entries.size, before);
});

test('onRevoke failure keeps the token revoked and retries on the next tick', async () => {
  let fail = true;
  const { store, storage, expireDue } = setup({
    onRevoke: async () => {
      if (fail) throw new Error('cubbyhole down');
    },
  });
  const t = await store.createToken({ policies: ['a'], path: 'p', displayName: 'token' });
  await assert.rejects(store.revokeTree(t.entry.idHash), /cubbyhole down/);
  assert.equal(await store.authenticate(t.token), undefined);
  fail = false;
  assert.equal(await expireDue(), 1);
  assert.ok(!storage.entries.has(`id/${t.entry.idHash}`));
});

test('custom ids cannot be duplicated', async () => {
  const { store } = setup();
  await store.createRoot({ id: 'root' });
  await assert.rejects(store.createRoot({ id: 'root' }), /duplicate ID/);
});

test('creation warns about policies that do not exist, as Vault does', async () => {
  const store = tokenStoreFor({
    storage: new MemoryStorageView({ yieldEachCall: true }),
    clock: new FakeClock(),
    policyExists: async (name) => name === 'web',
  });
  const t = await store.createToken({
    policies: ['default', 'ghost', 'web'],
    path: 'p',
    displayName: 'token',
  });
  assert.deepEqual(t.warnings, ['Policy "ghost" does not exist']);
});

test('a renewal that commits while the expiry tick is deciding keeps the token (gameday seed 21, L1)', async () => {
  // The tick read the entry before the renewal's write landed (a slow Raft commit during a
  // failover), judged it expired, then waited for the token's lock; the renewal was acknowledged
  // and then the tick revoked the renewed token anyway: seen invalid seconds before its expiry.
  const held: { release?: () => void; key?: string } = {};
  let readAfterHold: (() => void) | undefined;
  const readSeen = new Promise<void>((r) => (readAfterHold = r));
  class GatedStorage extends MemoryStorageView {
    override async put(key: string, value: Uint8Array): Promise<void> {
      if (key === held.key) await new Promise<void>((r) => (held.release = r));
      return super.put(key, value);
    }
    override async get(key: string): Promise<Uint8Array | undefined> {
      if (key === held.key && held.release !== undefined) readAfterHold?.();
      return super.get(key);
    }
  }
  const storage = new GatedStorage({ yieldEachCall: true });
  const clock = new FakeClock();
  const { store, expireDue } = expiringTokenStore({ storage, clock });
  const root = await store.createRoot();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    ttlSeconds: 10,
  });
  clock.advance(9_500);
  held.key = tokenKeys.entry(t.entry.idHash);
  const renewal = store.renew(t.entry.idHash, 10);
  // The renewal validated the token (9.5 s < 10 s) and its write is in flight; time passes.
  while (held.release === undefined) await new Promise<void>((r) => setImmediate(r));
  clock.advance(1_000);
  const tick = expireDue();
  await readSeen; // the tick read the old entry and now waits for the token's lock
  held.key = undefined;
  held.release();
  const renewed = await renewal;
  assert.ok(renewed !== undefined && renewed.ttlSeconds === 10, 'the renewal was acknowledged');
  assert.equal(await tick, 0, 'the tick must not revoke a token renewed before it took the lock');
  assert.ok(await store.authenticate(t.token), 'valid until its renewed expiry');
  clock.advance(9_000);
  assert.equal(await store.authenticate(t.token), undefined, 'and expired after it');
  clock.advance(1);
  assert.equal(await expireDue(), 1);
});

test('expiry is the TTL from the instant of creation or renewal, not from the second before (gameday seed 190, L1)', async () => {
  // The store stamped `floor(now to the second) + TTL`: a 5 s token created at x.750 s expired
  // 750 ms before its TTL, and with ε on use and a drifting leader it was seen invalid 1.9 s early.
  const { store, clock } = setup();
  clock.advance(750);
  const root = await store.createRoot();
  const createdAtMs = clock.wallMs();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    ttlSeconds: 5,
  });
  assert.equal(t.entry.expireTimeMs, createdAtMs + 5_000);
  clock.advance(2_600); // now x.350 s
  const renewedAtMs = clock.wallMs();
  const renewed = await store.renew(t.entry.idHash, 5);
  assert.equal(renewed?.entry.expireTimeMs, renewedAtMs + 5_000);
  // Valid until then (ε 0 here), expired from then.
  clock.advance(4_999);
  assert.ok(await store.authenticate(t.token));
  clock.advance(1);
  assert.equal(await store.authenticate(t.token), undefined);
});

test('a renewal capped by the explicit max TTL never passes it', async () => {
  const { store, clock } = setup();
  clock.advance(750);
  const root = await store.createRoot();
  const createdAtMs = clock.wallMs();
  const t = await store.createToken({
    policies: ['default'],
    parentIdHash: root.entry.idHash,
    path: 'p',
    displayName: 'token',
    ttlSeconds: 5,
    explicitMaxTtlSeconds: 8,
  });
  clock.advance(4_500);
  const renewed = await store.renew(t.entry.idHash, 5);
  assert.ok(renewed !== undefined && renewed.warnings.length > 0, 'capped, with the warning');
  assert.ok(renewed.entry.expireTimeMs <= createdAtMs + 8_000, `${renewed.entry.expireTimeMs - createdAtMs}`);
});
