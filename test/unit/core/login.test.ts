import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendFactory } from '../../../src/logical/backend.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';
import { toyAuth } from '../../helpers/core/toy-auth.js';

async function withToy(factory: BackendFactory) {
  const h = await unsealedHarness({ authEngines: { toy: factory } });
  assert.equal((await h.call('update', 'sys/auth/toy', { type: 'toy' }, h.rootToken)).status, 204);
  return h;
}

test('a login on an auth mount needs no token and core mints a working service token', async () => {
  const h = await withToy(toyAuth());
  await h.call('update', 'sys/auth/toy/tune', { default_lease_ttl: '1h' }, h.rootToken);
  const bad = await h.call('update', 'auth/toy/login/bob', { password: 'nope' });
  assert.equal(bad.status, 400);
  const login = await h.call('update', 'auth/toy/login/bob', { password: 'pw' }, 'hvs.garbage-is-ignored');
  assert.equal(login.status, 200, login.error?.message);
  const auth = login.response!.auth!;
  assert.equal(login.response!.login, undefined);
  assert.match(auth.clientToken, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'reader']);
  assert.deepEqual(auth.metadata, { username: 'bob' });
  assert.equal(auth.leaseDurationSeconds, 3600);
  assert.equal(auth.tokenType, 'service');
  assert.equal(auth.orphan, true);
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.status, 200);
  assert.equal(self.response!.data!.path, 'auth/toy/login/bob');
  assert.equal(self.response!.data!.display_name, 'toy-bob');
  assert.equal(self.response!.data!.internalData, undefined, 'internal data is never shown');
  const listing = await h.call('read', 'sys/auth', {}, h.rootToken);
  assert.deepEqual(Object.keys(listing.response!.data!).sort(), ['token/', 'toy/']);
});

test('the login TTL honours the method TTL and max against the mount max, with Vault warnings', async () => {
  const h = await withToy(toyAuth({ ttlSeconds: 7200, maxTtlSeconds: 5400 }));
  const login = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(login.response!.auth!.leaseDurationSeconds, 5400);
  assert.match(login.response!.warnings!.join(), /exceeded the effective max_ttl of "1h30m0s"/);
  await h.call('update', 'sys/auth/toy/tune', { max_lease_ttl: '1h' }, h.rootToken);
  const capped = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(capped.response!.auth!.leaseDurationSeconds, 3600);
});

test('no_default_policy and root/internal policies are handled as Vault', async () => {
  const h = await withToy(toyAuth({ noDefaultPolicy: true, policies: ['B', 'a', 'a'] }));
  const login = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.deepEqual(login.response!.auth!.policies, ['a', 'b']);
  const rooty = await withToy(toyAuth({ policies: ['root'] }));
  const refused = await rooty.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.error!.messages, ['auth methods cannot create root tokens']);
});

test('the mount token_type tune: default-batch/batch ask for batch tokens, service forces service', async () => {
  const h = await withToy(toyAuth({ tokenType: 'batch' }));
  const tune = await h.call('read', 'sys/auth/toy/tune', {}, h.rootToken);
  assert.equal(tune.response!.data!.token_type, 'default-service');
  await h.call('update', 'sys/auth/toy/tune', { token_type: 'service' }, h.rootToken);
  const forced = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(forced.response!.auth!.tokenType, 'service');
  await h.call('update', 'sys/mounts/auth/toy/tune', { token_type: 'default-service' }, h.rootToken);
  const listed = await h.call('read', 'sys/auth', {}, h.rootToken);
  const toy = listed.response!.data!['toy/'] as { config: Record<string, unknown> };
  assert.equal(toy.config.token_type, 'default-service');
  const wantsBatch = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(wantsBatch.status, 200);
  assert.equal(wantsBatch.response!.auth!.tokenType, 'batch', 'never silently service');
  assert.match(wantsBatch.response!.auth!.clientToken, /^hvb\./);
  const bad = await h.call('update', 'sys/auth/toy/tune', { token_type: 'nope' }, h.rootToken);
  assert.equal(bad.status, 400);
  const onToken = await h.call('update', 'sys/auth/token/tune', { token_type: 'batch' }, h.rootToken);
  assert.equal(onToken.status, 400);
});

test('renew-self of a login token asks the method, which may refuse', async () => {
  const renewal = { ok: true, result: { ttlSeconds: 600, maxTtlSeconds: 0, periodSeconds: 0 } };
  const h = await withToy(toyAuth({ ttlSeconds: 60 }, renewal));
  const token = (await h.call('update', 'auth/toy/login/bob', { password: 'pw' })).response!.auth!
    .clientToken;
  const renewed = await h.call('update', 'auth/token/renew-self', {}, token);
  assert.equal(renewed.status, 200, renewed.error?.message);
  assert.equal(renewed.response!.auth!.leaseDurationSeconds, 600, "the method's current TTL applies");
  renewal.ok = false;
  const refused = await h.call('update', 'auth/token/renew-self', {}, token);
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.error!.messages, ['policies have changed, not renewing']);
});

test('disabling an auth method revokes the tokens its logins minted, and only those', async () => {
  const h = await withToy(toyAuth());
  const token = (await h.call('update', 'auth/toy/login/bob', { password: 'pw' })).response!.auth!
    .clientToken;
  const other = await h.call('update', 'auth/token/create', { policies: ['default'] }, h.rootToken);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);
  assert.equal((await h.call('delete', 'sys/auth/toy', {}, h.rootToken)).status, 204);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 403);
  const survivor = other.response!.auth!.clientToken;
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, survivor)).status, 200);
});

test('a token bound to CIDRs is refused from other addresses without spending a use', async () => {
  const h = await withToy(toyAuth({ boundCidrs: ['10.0.0.0/8'], numUses: 2 }));
  const token = (await h.call('update', 'auth/toy/login/bob', { password: 'pw' })).response!.auth!
    .clientToken;
  const fromLocal = await h.call('read', 'auth/token/lookup-self', {}, token);
  assert.equal(fromLocal.status, 403);
  assert.deepEqual(fromLocal.error!.messages, ['permission denied']);
  const inside = { remoteAddress: '::ffff:10.1.2.3' };
  const first = await h.call('read', 'auth/token/lookup-self', {}, token, inside);
  assert.equal(first.status, 200);
  assert.deepEqual(first.response!.data!.bound_cidrs, ['10.0.0.0/8']);
  assert.equal(first.response!.data!.num_uses, 1, 'the refused request spent no use');
});
