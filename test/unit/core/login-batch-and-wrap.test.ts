/**
 * Logins meet batch tokens and response wrapping: a login whose method (or mount tune) asks for a
 * batch token gets a working `hvb.` orphan, and a login answered with `X-Vault-Wrap-TTL` is
 * wrapped like any response (wrapped_accessor = the login token's accessor).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoginAuth } from '../../../src/logical/login.js';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { unsealedHarness } from '../../helpers/core/core-harness.js';
import { toyAuth } from '../../helpers/core/toy-auth.js';

async function withToy(grant: Partial<LoginAuth> = {}) {
  const h = await unsealedHarness({
    authEngines: { toy: toyAuth(grant) },
    engines: { cubbyhole: cubbyholeBackendFactory },
  });
  assert.equal((await h.call('update', 'sys/auth/toy', { type: 'toy' }, h.rootToken)).status, 204);
  return h;
}

test('a login asking for a batch token gets an hvb. orphan that works and dies at its TTL', async () => {
  const h = await withToy({ tokenType: 'batch', ttlSeconds: 120, numUses: 3 });
  const login = await h.call('update', 'auth/toy/login/bob', { password: 'pw' });
  assert.equal(login.status, 200);
  const auth = login.response!.auth!;
  assert.match(auth.clientToken, /^hvb\./);
  assert.equal(auth.tokenType, 'batch');
  assert.equal(auth.accessor, '');
  assert.equal(auth.renewable, false);
  assert.equal(auth.numUses, 0, 'batch tokens carry no use count');
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.status, 200);
  assert.equal(self.response!.data!.orphan, true);
  assert.equal(self.response!.data!.path, 'auth/toy/login/bob');
  assert.deepEqual(self.response!.data!.meta, { username: 'bob' });
  h.clock.advance(120_000);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken)).status, 403);
});

test('the mount tune token_type=batch turns a service login into a batch one', async () => {
  const h = await withToy();
  await h.call('update', 'sys/auth/toy/tune', { token_type: 'batch' }, h.rootToken);
  const login = await h.call('update', 'auth/toy/login/amy', { password: 'pw' });
  assert.match(login.response!.auth!.clientToken, /^hvb\./);
});

test('a wrapped login: wrap_info with wrapped_accessor; unwrapping yields the login token', async () => {
  const h = await withToy();
  const wrapped = await h.call('update', 'auth/toy/login/bob', { password: 'pw' }, '', {
    wrapTtlSeconds: 60,
  });
  assert.equal(wrapped.status, 200);
  const info = wrapped.response!.wrapInfo!;
  assert.equal(wrapped.response!.auth, undefined, 'the token is not in the answer');
  assert.equal(info.creationPath, 'auth/toy/login/bob');
  assert.notEqual(info.wrappedAccessor, '');
  const unwrapped = await h.call('update', 'sys/wrapping/unwrap', {}, info.token);
  assert.equal(unwrapped.status, 200);
  const auth = (unwrapped.body as { auth: { client_token: string; accessor: string } }).auth;
  assert.equal(auth.accessor, info.wrappedAccessor);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, auth.client_token)).status, 200);
});
