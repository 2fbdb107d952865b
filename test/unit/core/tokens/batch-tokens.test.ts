/**
 * Batch tokens through the real core (real barrier over memory storage, fake clock): created with
 * `type=batch` and by token roles, looked up, refused for children, renewal and revocation with
 * Vault's messages, dead at their TTL and with their parent, and alive across a core restart only
 * because they carry their own (encrypted) entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory } from '../../../../src/engines/cubbyhole/index.js';
import { makeHarness, unsealedHarness, unsealThroughApi } from '../../../helpers/core/core-harness.js';

async function setup() {
  const h = await unsealedHarness({ engines: { cubbyhole: cubbyholeBackendFactory } });
  const create = async (body: Record<string, unknown>, token = h.rootToken) =>
    h.call('update', 'auth/token/create', body, token);
  return { h, create };
}

test('type=batch: an hvb. token with no accessor that authenticates and looks itself up', async () => {
  const { h, create } = await setup();
  const created = await create({ type: 'batch', policies: ['default'], ttl: '1h' });
  assert.equal(created.status, 200);
  const auth = created.response!.auth!;
  assert.match(auth.clientToken, /^hvb\./);
  assert.equal(auth.accessor, '');
  assert.equal(auth.tokenType, 'batch');
  assert.equal(auth.renewable, false);
  assert.equal(auth.leaseDurationSeconds, 3600);
  const self = await h.call('read', 'auth/token/lookup-self', {}, auth.clientToken);
  assert.equal(self.status, 200);
  const data = self.response!.data!;
  assert.equal(data.type, 'batch');
  assert.equal(data.id, auth.clientToken);
  assert.equal(data.accessor, '');
  assert.equal(data.orphan, false, 'a child of the root token');
  assert.equal(data.renewable, false);
  assert.deepEqual(data.policies, ['default']);
  const other = await h.call('update', 'auth/token/lookup', { token: auth.clientToken }, h.rootToken);
  assert.equal(other.response!.data!.type, 'batch');
  // A forged or altered token is just unknown.
  const altered = auth.clientToken.slice(0, -2) + (auth.clientToken.endsWith('AA') ? 'BB' : 'AA');
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, altered)).status, 403);
});

test('a batch token cannot create tokens, renew or be revoked (Vault messages); no cubbyhole', async () => {
  const { h, create } = await setup();
  const token = (await create({ type: 'batch', policies: ['default'] })).response!.auth!.clientToken;
  await h.call(
    'update',
    'sys/policies/acl/creator',
    { policy: 'path "auth/token/*" { capabilities = ["create", "update"] }' },
    h.rootToken,
  );
  const creator = (await create({ type: 'batch', policies: ['creator'] })).response!.auth!.clientToken;
  const child = await create({ policies: ['creator'] }, creator);
  assert.equal(child.status, 400);
  assert.deepEqual(child.error!.messages, ['batch tokens cannot create more tokens']);
  const renew = await h.call('update', 'auth/token/renew-self', {}, token);
  assert.deepEqual([renew.status, renew.error!.messages], [400, ['batch tokens cannot be renewed']]);
  const renewOther = await h.call('update', 'auth/token/renew', { token }, h.rootToken);
  assert.deepEqual(
    [renewOther.status, renewOther.error!.messages],
    [400, ['batch tokens cannot be renewed']],
  );
  const revoke = await h.call('update', 'auth/token/revoke', { token }, h.rootToken);
  assert.deepEqual([revoke.status, revoke.error!.messages], [400, ['batch tokens cannot be revoked']]);
  const revokeSelf = await h.call('update', 'auth/token/revoke-self', {}, token);
  assert.deepEqual(
    [revokeSelf.status, revokeSelf.error!.messages],
    [400, ['batch tokens cannot be revoked']],
  );
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200, 'still alive');
  const cubby = await h.call('update', 'cubbyhole/x', { a: 'b' }, token);
  assert.equal(cubby.status, 400, 'a batch token has no cubbyhole');
});

test('batch creation refuses num_uses, period, explicit_max_ttl and root (Vault messages)', async () => {
  const { create } = await setup();
  for (const [body, message] of [
    [{ num_uses: 3 }, 'batch tokens cannot have "num_uses" set'],
    [{ period: '1h' }, 'batch tokens cannot have "period" set'],
    [{ explicit_max_ttl: '1h' }, 'batch tokens cannot have "explicit_max_ttl" set'],
    [{}, 'batch tokens cannot be root tokens'],
    [{ type: 'other' }, "invalid 'token_type' value"],
  ] as const) {
    const out = await create({ type: 'batch', ...body });
    assert.equal(out.status, 400, message);
    assert.deepEqual(out.error!.messages, [message]);
  }
});

test('a batch token dies at its TTL (fake clock) and when its parent is revoked', async () => {
  const { h, create } = await setup();
  const short = (await create({ type: 'batch', policies: ['default'], ttl: '60s' })).response!.auth!
    .clientToken;
  // The parent needs the right to create tokens; its batch child is not an orphan.
  await h.call(
    'update',
    'sys/policies/acl/maker',
    { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    h.rootToken,
  );
  const maker = (await create({ policies: ['maker'] })).response!.auth!.clientToken;
  const child = (await create({ type: 'batch', policies: ['maker'] }, maker)).response!.auth!.clientToken;
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, child)).status, 200);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, short)).status, 200);

  h.clock.advance(59_000);
  assert.equal(
    (await h.call('read', 'auth/token/lookup-self', {}, short)).status,
    200,
    'alive before its TTL',
  );
  h.clock.advance(1_000);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, short)).status, 403, 'dead at its TTL');

  assert.equal((await h.call('update', 'auth/token/revoke', { token: maker }, h.rootToken)).status, 204);
  const dead = await h.call('read', 'auth/token/lookup-self', {}, child);
  assert.equal(dead.status, 403, 'a non-orphan batch token dies with its parent');
});

test('token roles: token_type batch (orphan, non-renewable) issues batch tokens; bad batch roles refused', async () => {
  const { h } = await setup();
  const bad = await h.call('update', 'auth/token/roles/b', { token_type: 'batch' }, h.rootToken);
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.error!.messages, [
    "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens",
  ]);
  const role = await h.call(
    'update',
    'auth/token/roles/b',
    { token_type: 'batch', orphan: true, renewable: false, allowed_policies: ['default'] },
    h.rootToken,
  );
  assert.equal(role.status, 204);
  assert.equal(
    (await h.call('read', 'auth/token/roles/b', {}, h.rootToken)).response!.data!.token_type,
    'batch',
  );
  const created = await h.call('update', 'auth/token/create/b', {}, h.rootToken);
  assert.equal(created.status, 200);
  assert.match(created.response!.auth!.clientToken, /^hvb\./);
  assert.equal(created.response!.auth!.orphan, true);
  const looked = await h.call('read', 'auth/token/lookup-self', {}, created.response!.auth!.clientToken);
  assert.equal(looked.response!.data!.path, 'auth/token/create/b');
});

test('a batch token keeps working after a core restart within its TTL (the key is in the barrier)', async () => {
  const h = await unsealedHarness();
  const created = await h.call(
    'update',
    'auth/token/create',
    { type: 'batch', policies: ['default'], ttl: '2h' },
    h.rootToken,
  );
  const token = created.response!.auth!.clientToken;
  assert.equal((await h.call('update', 'sys/seal', {}, h.rootToken)).status, 204);

  const restarted = await makeHarness({ physical: h.physical });
  restarted.clock.advance(h.clock.wallMs() - restarted.clock.wallMs() + 3_600_000);
  await unsealThroughApi(restarted, h.keys);
  const after = await restarted.call('read', 'auth/token/lookup-self', {}, token);
  assert.equal(after.status, 200);
  assert.equal(after.response!.data!.type, 'batch');
  restarted.clock.advance(3_600_000);
  assert.equal(
    (await restarted.call('read', 'auth/token/lookup-self', {}, token)).status,
    403,
    'then its TTL ends',
  );
});
