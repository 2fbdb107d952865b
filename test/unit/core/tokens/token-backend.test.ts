import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/lib/clock.js';
import { expiringTokenStore, tokenStoreFor } from '../../../helpers/core/expiring-token-store.js';
import type { Operation } from '../../../../src/logical/request.js';
import { MemoryStorageView } from '../../../helpers/memory-storage-view.js';
import { call, errorOf } from './dispatch-helper.js';

async function setup(opts: { maxLeaseTtlSeconds?: number; defaultLeaseTtlSeconds?: number } = {}) {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const store = tokenStoreFor({ storage, clock, ...opts });
  await store.initialize();
  const root = await store.createRoot({ id: 'root' });
  const as = (token: string, op: Operation, path: string, data?: Record<string, unknown>) =>
    call(store, storage, token, op, path, data);
  return { storage, clock, store, root, as };
}

test("create returns Vault's auth block; root asking for [web] gets [default web]", async () => {
  const { as } = await setup();
  const res = await as('root', 'update', 'create', { policies: ['web'], meta: { app: 'x' } });
  assert.equal(res.data, null);
  const auth = res.auth!;
  assert.match(auth.clientToken, /^hvs\.[A-Za-z0-9]{24}$/);
  assert.deepEqual(auth.policies, ['default', 'web']);
  assert.deepEqual(auth.tokenPolicies, ['default', 'web']);
  assert.deepEqual(auth.metadata, { app: 'x' });
  assert.equal(auth.leaseDurationSeconds, 768 * 3600);
  assert.equal(auth.renewable, true);
  assert.equal(auth.orphan, false);
  assert.equal(auth.tokenType, 'service');
  assert.equal(auth.entityId, '');
  assert.equal(auth.numUses, 0);
  const plain = await as('root', 'update', 'create', {});
  assert.deepEqual(plain.auth!.policies, ['root'], "no policies → the parent's");
  assert.equal(plain.auth!.metadata, null);
  assert.equal(plain.auth!.leaseDurationSeconds, 0, 'a root child of a root token never expires');
});

test('CLI string values are coerced: num_uses "5", policies "a,b", renewable "false", ttl "1h"', async () => {
  const { as } = await setup();
  const res = await as('root', 'create', 'create', {
    num_uses: '5',
    policies: 'a,b',
    renewable: 'false',
    ttl: '1h',
    meta: '{"k":"v"}',
    no_default_policy: 'true',
    display_name: 'my app',
  });
  const auth = res.auth!;
  assert.equal(auth.numUses, 5);
  assert.deepEqual(auth.policies, ['a', 'b']);
  assert.equal(auth.renewable, false);
  assert.equal(auth.leaseDurationSeconds, 3600);
  assert.deepEqual(auth.metadata, { k: 'v' });
  const look = await as('root', 'update', 'lookup', { token: auth.clientToken });
  assert.equal(look.data!.display_name, 'token-my-app');
  assert.equal(look.data!.num_uses, 5, 'lookup by another token spends none of its uses');
});

test('bad field values are 400s that name the field', async () => {
  const { as } = await setup();
  for (const [field, value] of [
    ['num_uses', 'five'],
    ['ttl', 'soon'],
    ['renewable', 'maybe'],
    ['policies', { a: 1 }],
    ['meta', 'novalue'],
    ['explicit_max_ttl', '-1h'],
    ['no_parent', 'perhaps'],
  ] as const) {
    const err = await errorOf(as('root', 'update', 'create', { [field]: value }));
    assert.equal(err.httpStatus, 400, field);
    assert.match(err.messages.join(' '), new RegExp(`"${field}"`), field);
  }
  assert.equal((await errorOf(as('root', 'update', 'create', { num_uses: '-1' }))).httpStatus, 400);
  const batch = await errorOf(as('root', 'update', 'create', { type: 'batch' }));
  assert.equal(batch.httpStatus, 400);
  assert.deepEqual(batch.messages, ['batch tokens cannot be root tokens'], 'a root child inherits root');
});

test("a child's policies must be a subset of its non-root parent's", async () => {
  const { as } = await setup();
  const parent = (await as('root', 'update', 'create', { policies: 'web,db' })).auth!.clientToken;
  const err = await errorOf(as(parent, 'update', 'create', { policies: 'admin' }));
  assert.equal(err.httpStatus, 400);
  assert.deepEqual(err.messages, ['child policies must be subset of parent']);
  assert.deepEqual((await as(parent, 'update', 'create', { policies: 'web' })).auth!.policies, [
    'default',
    'web',
  ]);
  assert.deepEqual((await as(parent, 'update', 'create', {})).auth!.policies, ['db', 'default', 'web']);
  const noDefault = await as(parent, 'update', 'create', { policies: 'db', no_default_policy: true });
  assert.deepEqual(noDefault.auth!.policies, ['db']);
  assert.equal((await errorOf(as(parent, 'update', 'create', { policies: 'root' }))).httpStatus, 400);
});

test('no_parent, period and custom id need root; create-orphan does not', async () => {
  const { as } = await setup();
  const user = (await as('root', 'update', 'create', { policies: 'web' })).auth!.clientToken;
  assert.deepEqual((await errorOf(as(user, 'update', 'create', { no_parent: true }))).messages, [
    'root or sudo privileges required to create orphan token',
  ]);
  assert.match((await errorOf(as(user, 'update', 'create', { period: '1h' }))).messages[0], /periodic token/);
  assert.match((await errorOf(as(user, 'update', 'create', { id: 'custom' }))).messages[0], /token id/);
  const orphan = await as(user, 'update', 'create-orphan', {});
  assert.equal(orphan.auth!.orphan, true);
  const look = await as('root', 'update', 'lookup', { token: orphan.auth!.clientToken });
  assert.equal(look.data!.path, 'auth/token/create-orphan');
  assert.equal((await as('root', 'update', 'create', { no_parent: 'true' })).auth!.orphan, true);
  assert.equal((await as('root', 'update', 'create', { id: 'my-token' })).auth!.clientToken, 'my-token');
});

test("a TTL above the mount max is capped with Vault's warning", async () => {
  const { as } = await setup({ maxLeaseTtlSeconds: 3600 });
  const res = await as('root', 'update', 'create', { policies: 'a', ttl: '2h' });
  assert.equal(res.auth!.leaseDurationSeconds, 3600);
  assert.deepEqual(res.warnings, [
    'TTL of "2h0m0s" exceeded the effective max_ttl of "1h0m0s"; TTL value is capped accordingly',
  ]);
  const periodic = await as('root', 'update', 'create', { policies: 'a', period: '3h' });
  assert.equal(periodic.auth!.leaseDurationSeconds, 3600);
  assert.match(periodic.warnings![0], /^period of "3h0m0s" exceeded the effective max_ttl of "1h0m0s"/);
});

test('lookup-self, lookup and lookup-accessor shapes; accessors never reveal the id', async () => {
  const { as, clock } = await setup();
  const created = (await as('root', 'update', 'create', { policies: 'web', ttl: '1h', meta: { a: 'b' } }))
    .auth!;
  clock.advance(600_000);
  const self = (await as(created.clientToken, 'read', 'lookup-self')).data!;
  assert.deepEqual(Object.keys(self), [
    'accessor',
    'creation_time',
    'creation_ttl',
    'display_name',
    'entity_id',
    'expire_time',
    'explicit_max_ttl',
    'id',
    'issue_time',
    'meta',
    'num_uses',
    'orphan',
    'path',
    'policies',
    'renewable',
    'ttl',
    'type',
  ]);
  assert.equal(self.id, created.clientToken);
  assert.equal(self.accessor, created.accessor);
  assert.equal(self.creation_ttl, 3600);
  assert.equal(self.ttl, 3000);
  assert.equal(self.creation_time, Date.UTC(2026, 0, 1) / 1000);
  assert.equal(self.expire_time, '2026-01-01T01:00:00.000Z');
  assert.equal(self.path, 'auth/token/create');
  assert.equal(self.display_name, 'token');
  assert.deepEqual(self.policies, ['default', 'web']);
  assert.deepEqual(self.meta, { a: 'b' });
  assert.equal(self.type, 'service');
  assert.equal(self.renewable, true);
  const byAccessor = (await as('root', 'update', 'lookup-accessor', { accessor: created.accessor })).data!;
  assert.equal(byAccessor.id, '');
  assert.ok(!JSON.stringify(byAccessor).includes(created.clientToken));
  assert.equal(byAccessor.accessor, created.accessor);
  assert.equal(
    (await as('root', 'read', 'lookup', { token: created.clientToken })).data!.id,
    created.clientToken,
  );
  const bad = await errorOf(as('root', 'update', 'lookup', { token: 'hvs.unknown' }));
  assert.equal(bad.httpStatus, 403);
  assert.deepEqual(bad.messages, ['bad token']);
  const badAccessor = await errorOf(as('root', 'update', 'lookup-accessor', { accessor: 'nope' }));
  assert.deepEqual([badAccessor.httpStatus, badAccessor.messages], [400, ['invalid accessor']]);
  const rootSelf = (await as('root', 'read', 'lookup-self')).data!;
  assert.equal(rootSelf.expire_time, null);
  assert.equal(rootSelf.ttl, 0);
  assert.equal(rootSelf.id, 'root');
  assert.equal(rootSelf.path, 'auth/token/root');
  assert.equal(rootSelf.orphan, true);
});

test('renew-self counts the increment from now and cannot pass explicit_max_ttl', async () => {
  const { as, clock } = await setup();
  const t = (await as('root', 'update', 'create', { policies: 'a', ttl: '1h', explicit_max_ttl: '90m' }))
    .auth!;
  clock.advance(50 * 60_000);
  const renewed = await as(t.clientToken, 'update', 'renew-self', { increment: '30m' });
  assert.equal(renewed.auth!.leaseDurationSeconds, 1800, 'from now, not added to the 10m left');
  assert.equal(renewed.auth!.clientToken, t.clientToken);
  assert.equal(renewed.warnings, undefined);
  const capped = await as(t.clientToken, 'update', 'renew-self', { increment: '1h' });
  assert.equal(capped.auth!.leaseDurationSeconds, 40 * 60);
  assert.deepEqual(capped.warnings, [
    'TTL of "1h0m0s" exceeded the effective max_ttl of "40m0s"; TTL value is capped accordingly',
  ]);
  const look = (await as('root', 'update', 'lookup', { token: t.clientToken })).data!;
  assert.equal(look.ttl, 2400);
  assert.equal(look.creation_ttl, 3600);
  assert.equal(look.last_renewal_time, Date.UTC(2026, 0, 1) / 1000 + 3000);
  clock.advance(40 * 60_000);
  assert.equal((await errorOf(as(t.clientToken, 'update', 'renew-self', {}))).httpStatus, 403);
  const gone = await errorOf(as('root', 'update', 'renew', { token: t.clientToken }));
  assert.deepEqual([gone.httpStatus, gone.messages], [400, ['token not found']]);
});

test('periodic tokens renew back to their period, indefinitely', async () => {
  const { as, clock } = await setup();
  const t = (await as('root', 'update', 'create', { policies: 'a', period: '30m' })).auth!;
  assert.equal(t.leaseDurationSeconds, 1800);
  for (let i = 0; i < 50; i++) {
    clock.advance(20 * 60_000);
    const r = await as(t.clientToken, 'update', 'renew-self', { increment: '10h' });
    assert.equal(r.auth!.leaseDurationSeconds, 1800);
  }
  assert.equal((await as(t.clientToken, 'read', 'lookup-self')).data!.period, 1800);
});

test('renewal without increment restores the creation TTL; renew-accessor hides the token', async () => {
  const { as, clock } = await setup();
  const t = (await as('root', 'update', 'create', { policies: 'a', ttl: '1h' })).auth!;
  clock.advance(30 * 60_000);
  const r = await as('root', 'update', 'renew-accessor', { accessor: t.accessor });
  assert.equal(r.auth!.leaseDurationSeconds, 3600);
  assert.equal(r.auth!.clientToken, '');
  assert.equal(r.auth!.accessor, t.accessor);
});

test('non-renewable and non-expiring tokens cannot be renewed', async () => {
  const { as } = await setup();
  const t = (await as('root', 'update', 'create', { policies: 'a', renewable: false })).auth!;
  const err = await errorOf(as('root', 'update', 'renew', { token: t.clientToken }));
  assert.deepEqual([err.httpStatus, err.messages], [400, ['lease is not renewable']]);
  assert.equal((await errorOf(as('root', 'update', 'renew-self', {}))).httpStatus, 400);
});

test('revoke, revoke-self, revoke-accessor answer 204 and revoke the tree; revoke-orphan keeps children', async () => {
  const { as, store } = await setup();
  const parent = (await as('root', 'update', 'create', { policies: 'a' })).auth!;
  const child = (await as(parent.clientToken, 'update', 'create', {})).auth!;
  const grandchild = (await as(child.clientToken, 'update', 'create', {})).auth!;
  const res = await as('root', 'update', 'revoke-orphan', { token: parent.clientToken });
  assert.deepEqual(res, {});
  assert.equal(await store.lookup(parent.clientToken), undefined);
  assert.equal((await as('root', 'update', 'lookup', { token: child.clientToken })).data!.orphan, true);
  assert.deepEqual(await as(child.clientToken, 'update', 'revoke-self'), {});
  assert.equal(await store.lookup(child.clientToken), undefined);
  assert.equal(await store.lookup(grandchild.clientToken), undefined);
  const a = (await as('root', 'update', 'create', { policies: 'a' })).auth!;
  const b = (await as('root', 'update', 'create', { policies: 'a' })).auth!;
  const keys = (await as('root', 'list', 'accessors/')).data!.keys as string[];
  assert.ok(keys.includes(a.accessor) && keys.includes(b.accessor));
  await as('root', 'update', 'revoke-accessor', { accessor: a.accessor });
  await as('root', 'update', 'revoke', { token: b.clientToken });
  assert.equal(await store.lookup(a.clientToken), undefined);
  assert.equal(await store.lookup(b.clientToken), undefined);
  assert.deepEqual(
    await as('root', 'update', 'revoke', { token: 'hvs.unknown' }),
    {},
    'unknown token: no-op',
  );
  assert.equal((await errorOf(as('root', 'update', 'revoke', {}))).httpStatus, 400);
  assert.equal(
    (await errorOf(as('root', 'update', 'revoke-accessor', { accessor: 'nope' }))).httpStatus,
    400,
  );
});

test('a limited-use token cannot create children; its last use still succeeds', async () => {
  const { as } = await setup();
  const t = (await as('root', 'update', 'create', { policies: 'a', num_uses: 3 })).auth!;
  const err = await errorOf(as(t.clientToken, 'update', 'create', {}));
  assert.equal(err.httpStatus, 400);
  assert.equal((await as(t.clientToken, 'read', 'lookup-self')).data!.num_uses, 1);
  const last = (await as(t.clientToken, 'read', 'lookup-self')).data!;
  assert.equal(last.num_uses, -1, 'the last use is served (Vault shows the tainted count)');
  assert.equal((await errorOf(as(t.clientToken, 'read', 'lookup-self'))).httpStatus, 403);
});

test('typed JSON values (numbers, booleans, arrays, objects) work as well as strings', async () => {
  const { as } = await setup();
  const auth = (
    await as('root', 'update', 'create', {
      num_uses: 5,
      renewable: false,
      ttl: 3600,
      policies: ['B', 'a', 'a'],
      meta: { n: 1, ok: true, __proto__x: 'y' },
    })
  ).auth!;
  assert.equal(auth.numUses, 5);
  assert.equal(auth.renewable, false);
  assert.equal(auth.leaseDurationSeconds, 3600);
  assert.deepEqual(auth.policies, ['a', 'b', 'default']);
  assert.deepEqual(auth.metadata, { n: '1', ok: 'true', __proto__x: 'y' });
  const proto = (await as('root', 'update', 'create', { meta: '{"__proto__":"x"}' })).auth!;
  assert.equal(Object.getPrototypeOf(proto.metadata), Object.prototype, 'no prototype pollution');
  assert.deepEqual(Object.keys(proto.metadata!), ['__proto__']);
});

test("with core's hasSudo hook, a sudo (non-root) caller may create orphans; others may not", async () => {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const store = tokenStoreFor({
    storage,
    clock: new FakeClock(),
    hasSudo: async (policies, path) => policies.includes('admin') && path === 'auth/token/create',
  });
  await store.createRoot({ id: 'root' });
  const as = (token: string, data: Record<string, unknown>) =>
    call(store, storage, token, 'update', 'create', data);
  const admin = (await as('root', { policies: 'admin' })).auth!.clientToken;
  const user = (await as('root', { policies: 'user' })).auth!.clientToken;
  assert.equal((await as(admin, { no_parent: true })).auth!.orphan, true);
  assert.equal((await errorOf(as(user, { no_parent: true }))).httpStatus, 400);
});

test("the manager's restore reloads: tokens written by another node's store are expired after it", async () => {
  const storage = new MemoryStorageView({ yieldEachCall: true });
  const clock = new FakeClock();
  const a = tokenStoreFor({ storage, clock });
  const b = expiringTokenStore({ storage, clock });
  await b.store.initialize();
  const t = await a.createToken({ policies: ['x'], path: 'p', displayName: 'token', ttlSeconds: 10 });
  clock.advance(10_001);
  assert.equal(await b.expireDue(), 0, 'b has not seen the token yet');
  await b.restore();
  assert.equal(await b.expireDue(), 1);
  assert.equal(await a.lookup(t.token), undefined);
});

test('revoke-orphan and LIST accessors need root or sudo even if an ACL let the caller through', async () => {
  const { as, store } = await setup();
  const user = (await as('root', 'update', 'create', { policies: 'web' })).auth!;
  const child = (await as(user.clientToken, 'update', 'create', {})).auth!;
  const err = await errorOf(as(user.clientToken, 'update', 'revoke-orphan', { token: child.clientToken }));
  assert.deepEqual(
    [err.httpStatus, err.messages],
    [400, ['root or sudo privileges required to revoke and orphan']],
  );
  assert.ok(await store.lookup(child.clientToken));
  assert.equal((await errorOf(as(user.clientToken, 'list', 'accessors/'))).httpStatus, 403);
});
