import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { userpassBackendFactory } from '../../../../src/engines/auth/userpass/index.js';
import { bcryptCost, dummyHash } from '../../../../src/engines/auth/userpass/password-hash.js';
import { unsealedHarness } from '../../../helpers/core/core-harness.js';

async function userpass() {
  const h = await unsealedHarness({ authEngines: { userpass: userpassBackendFactory } });
  assert.equal((await h.call('update', 'sys/auth/userpass', { type: 'userpass' }, h.rootToken)).status, 204);
  return h;
}

test('userpass: users CRUD with Vault shapes; the password is never shown', async () => {
  const h = await userpass();
  const noPassword = await h.call('update', 'auth/userpass/users/bob', { token_policies: 'a' }, h.rootToken);
  assert.equal(noPassword.status, 400);
  assert.deepEqual(noPassword.error!.messages, ['missing password']);
  const created = await h.call(
    'update',
    'auth/userpass/users/Bob',
    { password: 's3cret', token_policies: 'a,b', token_ttl: '1h', token_bound_cidrs: '127.0.0.1' },
    h.rootToken,
  );
  assert.equal(created.status, 204, created.error?.message);
  const read = await h.call('read', 'auth/userpass/users/bob', {}, h.rootToken);
  assert.deepEqual(read.response!.data, {
    token_bound_cidrs: ['127.0.0.1/32'],
    token_explicit_max_ttl: 0,
    token_max_ttl: 0,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: ['a', 'b'],
    token_type: 'default',
    token_ttl: 3600,
  });
  assert.ok(!JSON.stringify(read.response).includes('s3cret'));
  const list = await h.call('list', 'auth/userpass/users/', {}, h.rootToken);
  assert.deepEqual(list.response!.data, { keys: ['bob'] });
  const badTtl = await h.call(
    'update',
    'auth/userpass/users/bob',
    { token_ttl: '2h', token_max_ttl: '1h' },
    h.rootToken,
  );
  assert.equal(badTtl.status, 400);
  assert.deepEqual(badTtl.error!.messages, ["'token_ttl' cannot be greater than 'token_max_ttl'"]);
  assert.equal((await h.call('delete', 'auth/userpass/users/BOB', {}, h.rootToken)).status, 204);
  assert.equal((await h.call('read', 'auth/userpass/users/bob', {}, h.rootToken)).status, 404);
});

test('userpass: login grants the user policies and TTL; failures say only "invalid username or password"', async () => {
  const h = await userpass();
  await h.call(
    'update',
    'auth/userpass/users/bob',
    { password: 'pw', policies: 'reader', ttl: '30m' },
    h.rootToken,
  );
  const login = await h.call('update', 'auth/userpass/login/BOB', { password: 'pw' });
  assert.equal(login.status, 200, login.error?.message);
  const auth = login.response!.auth!;
  assert.deepEqual(auth.policies, ['default', 'reader']);
  assert.deepEqual(auth.metadata, { username: 'bob' });
  assert.equal(auth.leaseDurationSeconds, 1800);
  assert.equal(auth.renewable, true);
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.response!.data!.display_name, 'userpass-bob');
  for (const [user, password] of [
    ['bob', 'wrong'],
    ['nobody', 'pw'],
  ]) {
    const failed = await h.call('update', `auth/userpass/login/${user}`, { password });
    assert.equal(failed.status, 400);
    assert.deepEqual(failed.error!.messages, ['invalid username or password']);
  }
  const missing = await h.call('update', 'auth/userpass/login/bob', {});
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.error!.messages, ['missing password']);
});

test('userpass: password change and policies update; renewal refuses once policies changed', async () => {
  const h = await userpass();
  await h.call('update', 'auth/userpass/users/bob', { password: 'old', token_policies: 'a' }, h.rootToken);
  const token = (await h.call('update', 'auth/userpass/login/bob', { password: 'old' })).response!.auth!
    .clientToken;
  assert.equal((await h.call('update', 'auth/token/renew-self', {}, token)).status, 200);
  const changed = await h.call(
    'update',
    'auth/userpass/users/bob/password',
    { password: 'new' },
    h.rootToken,
  );
  assert.equal(changed.status, 204);
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'old' })).status, 400);
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'new' })).status, 200);
  const ghost = await h.call('update', 'auth/userpass/users/ghost/password', { password: 'x' }, h.rootToken);
  assert.deepEqual(ghost.error!.messages, ['username does not exist']);
  await h.call('update', 'auth/userpass/users/bob/policies', { token_policies: 'a,b' }, h.rootToken);
  const refused = await h.call('update', 'auth/token/renew-self', {}, token);
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.error!.messages, ['policies have changed, not renewing']);
  const fresh = await h.call('update', 'auth/userpass/login/bob', { password: 'new' });
  assert.deepEqual(fresh.response!.auth!.policies, ['a', 'b', 'default']);
});

test('userpass: a password_hash (bcrypt) is imported as is', async () => {
  const h = await userpass();
  const hash = bcrypt.hashSync('imported', 4);
  assert.equal(
    (await h.call('update', 'auth/userpass/users/amy', { password_hash: hash }, h.rootToken)).status,
    204,
  );
  assert.equal((await h.call('update', 'auth/userpass/login/amy', { password: 'imported' })).status, 200);
  const bad = await h.call('update', 'auth/userpass/users/amy', { password_hash: 'plain' }, h.rootToken);
  assert.equal(bad.status, 400);
});

test('userpass: token_bound_cidrs refuse a login from outside the blocks (403)', async () => {
  const h = await userpass();
  await h.call(
    'update',
    'auth/userpass/users/bob',
    { password: 'pw', token_bound_cidrs: '10.0.0.0/8' },
    h.rootToken,
  );
  const outside = await h.call('update', 'auth/userpass/login/bob', { password: 'pw' });
  assert.equal(outside.status, 403);
  const inside = await h.call('update', 'auth/userpass/login/bob', { password: 'pw' }, '', {
    remoteAddress: '10.9.8.7',
  });
  assert.equal(inside.status, 200);
});

test('userpass lockout: threshold failures lock the user (403, even with the right password) until unlocked or expired', async () => {
  const h = await userpass();
  await h.call('update', 'auth/userpass/users/bob', { password: 'pw' }, h.rootToken);
  const tune = await h.call(
    'update',
    'sys/auth/userpass/tune',
    { user_lockout_config: { lockout_threshold: '3', lockout_duration: '10m' } },
    h.rootToken,
  );
  assert.equal(tune.status, 204, tune.error?.message);
  const tuned = await h.call('read', 'sys/auth/userpass/tune', {}, h.rootToken);
  assert.equal(tuned.response!.data!.user_lockout_threshold, 3);
  assert.equal(tuned.response!.data!.user_lockout_duration, 600);
  // A success in between resets the count.
  await h.call('update', 'auth/userpass/login/bob', { password: 'x' });
  await h.call('update', 'auth/userpass/login/bob', { password: 'x' });
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'pw' })).status, 200);
  for (let i = 0; i < 3; i++) {
    assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'x' })).status, 400);
  }
  const locked = await h.call('update', 'auth/userpass/login/bob', { password: 'pw' });
  assert.equal(locked.status, 403);
  assert.deepEqual(locked.error!.messages, ['permission denied']);
  const accessor = (
    (await h.call('read', 'sys/auth', {}, h.rootToken)).response!.data!['userpass/'] as { accessor: string }
  ).accessor;
  const listed = await h.call('read', 'sys/locked-users', {}, h.rootToken);
  assert.deepEqual(listed.response!.data, {
    by_namespace: [
      {
        namespace_id: 'root',
        namespace_path: '',
        counts: 1,
        mount_accessors: [{ mount_accessor: accessor, counts: 1, alias_identifiers: ['bob'] }],
      },
    ],
    total: 1,
  });
  const unlock = await h.call('update', `sys/locked-users/${accessor}/unlock/bob`, {}, h.rootToken);
  assert.equal(unlock.status, 204);
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'pw' })).status, 200);
  for (let i = 0; i < 3; i++) await h.call('update', 'auth/userpass/login/bob', { password: 'x' });
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'pw' })).status, 403);
  h.clock.advance(601_000);
  assert.equal((await h.call('update', 'auth/userpass/login/bob', { password: 'pw' })).status, 200);
  const notForToken = await h.call(
    'update',
    'sys/auth/token/tune',
    { user_lockout_config: { lockout_threshold: 1 } },
    h.rootToken,
  );
  assert.equal(notForToken.status, 400);
});

test('userpass: the password hash costs at least bcrypt cost 10, and unknown users are compared against one', async () => {
  assert.ok(bcryptCost >= 10);
  const hash = await dummyHash();
  assert.equal(bcrypt.getRounds(hash), bcryptCost);
});
