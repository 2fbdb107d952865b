import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness, type Harness } from '../../helpers/core/core-harness.js';

const notesPolicy = `
path "notes/shared/*" {
  capabilities = ["read", "list"]
}
path "notes/mine/*" {
  capabilities = ["create", "read", "update"]
}
`;

async function tokenWith(
  h: Harness,
  rootToken: string,
  policies: string[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const out = await h.call('update', 'auth/token/create', { policies, ...extra }, rootToken);
  assert.equal(out.status, 200, out.error?.message);
  return out.response!.auth!.clientToken;
}

test('a missing token is 403 permission denied; an unknown one is 403 with permission denied and invalid token', async () => {
  const h = await unsealedHarness();
  const none = await h.call('read', 'sys/mounts');
  assert.equal(none.status, 403);
  assert.deepEqual(none.error!.messages, ['permission denied']);
  const bogus = await h.call('read', 'sys/mounts', {}, 'hvs.AAAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(bogus.status, 403);
  assert.deepEqual(bogus.error!.messages, ['permission denied', 'invalid token']);
  const unknownRoute = await h.call('read', 'nowhere/x', {}, 'hvs.AAAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknownRoute.status, 403, 'unknown routes are not probeable without a valid token');
});

test('a token limited to a policy gets 403 outside it and success inside; changes apply at once', async () => {
  const h = await unsealedHarness();
  await h.call('update', 'sys/mounts/notes', { type: 'notes' }, h.rootToken);
  await h.call('update', 'notes/shared/a', { v: 'shared' }, h.rootToken);
  await h.call('update', 'notes/secret/a', { v: 'hidden' }, h.rootToken);
  await h.call('update', 'sys/policies/acl/notes', { policy: notesPolicy }, h.rootToken);
  const token = await tokenWith(h, h.rootToken, ['notes']);

  assert.deepEqual((await h.call('read', 'notes/shared/a', {}, token)).response!.data, { v: 'shared' });
  assert.equal((await h.call('list', 'notes/shared/', {}, token)).status, 200, 'list on the folder form');
  assert.equal((await h.call('read', 'notes/secret/a', {}, token)).status, 403);
  assert.equal((await h.call('update', 'notes/shared/a', { v: 'x' }, token)).status, 403, 'read-only path');
  assert.equal((await h.call('delete', 'notes/shared/a', {}, token)).status, 403);
  assert.equal((await h.call('read', 'sys/mounts', {}, token)).status, 403);
  assert.equal((await h.call('read', 'nowhere/x', {}, token)).status, 403, 'unknown route → 403 first');
  assert.equal((await h.call('read', 'nowhere/x', {}, h.rootToken)).status, 404);

  // create vs update: the existence check decides which capability is needed.
  assert.equal((await h.call('update', 'notes/mine/new', { v: 1 }, token)).status, 204);
  assert.equal((await h.call('update', 'notes/mine/new', { v: 2 }, token)).status, 204);

  // The default policy is attached: token self-lookup works.
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);

  // A policy change applies to the very next request.
  await h.call(
    'update',
    'sys/policies/acl/notes',
    { policy: 'path "notes/secret/*" { capabilities = ["read"] }' },
    h.rootToken,
  );
  assert.equal((await h.call('read', 'notes/shared/a', {}, token)).status, 403);
  assert.equal((await h.call('read', 'notes/secret/a', {}, token)).status, 200);
  await h.call('delete', 'sys/policies/acl/notes', {}, h.rootToken);
  assert.equal(
    (await h.call('read', 'notes/secret/a', {}, token)).status,
    403,
    'deleted policy is simply lost',
  );
});

test('sudo paths need sudo: a token with update but no sudo on sys/rotate gets 403', async () => {
  const h = await unsealedHarness();
  await h.call(
    'update',
    'sys/policies/acl/ops',
    {
      policy:
        'path "sys/rotate" { capabilities = ["update"] }\npath "sys/key-status" { capabilities = ["read"] }',
    },
    h.rootToken,
  );
  await h.call(
    'update',
    'sys/policies/acl/opsudo',
    { policy: 'path "sys/rotate" { capabilities = ["update", "sudo"] }' },
    h.rootToken,
  );
  const ops = await tokenWith(h, h.rootToken, ['ops']);
  const sudo = await tokenWith(h, h.rootToken, ['opsudo']);
  assert.equal((await h.call('update', 'sys/rotate', {}, ops)).status, 403);
  assert.equal((await h.call('update', 'sys/rotate', {}, sudo)).status, 204);
  assert.equal((await h.call('read', 'sys/key-status', {}, ops)).status, 200);
});

test('capabilities-self and capabilities report sorted capabilities, root and deny', async () => {
  const h = await unsealedHarness();
  await h.call('update', 'sys/policies/acl/notes', { policy: notesPolicy }, h.rootToken);
  const token = await tokenWith(h, h.rootToken, ['notes']);
  const one = await h.call('update', 'sys/capabilities-self', { paths: ['notes/shared/x'] }, token);
  assert.equal(one.status, 200);
  assert.deepEqual(one.response!.data, {
    'notes/shared/x': ['list', 'read'],
    capabilities: ['list', 'read'],
  });
  assert.equal(one.response!.topLevelData, true);
  const many = await h.call('update', 'sys/capabilities-self', { paths: 'notes/mine/x,elsewhere' }, token);
  assert.deepEqual(many.response!.data, {
    'notes/mine/x': ['create', 'read', 'update'],
    elsewhere: ['deny'],
  });
  const root = await h.call('update', 'sys/capabilities-self', { path: 'anything' }, h.rootToken);
  assert.deepEqual(root.response!.data, { anything: ['root'], capabilities: ['root'] });
  const other = await h.call('update', 'sys/capabilities', { token, paths: ['notes/shared/y'] }, h.rootToken);
  assert.deepEqual(other.response!.data!.capabilities, ['list', 'read']);
  assert.equal((await h.call('update', 'sys/capabilities', { token, paths: ['x'] }, token)).status, 403);
  const accessor = (await h.call('read', 'auth/token/lookup-self', {}, token)).response!.data!
    .accessor as string;
  const byAccessor = await h.call(
    'update',
    'sys/capabilities-accessor',
    { accessor, paths: 'notes/mine/z' },
    h.rootToken,
  );
  assert.deepEqual(byAccessor.response!.data!.capabilities, ['create', 'read', 'update']);
  assert.equal(byAccessor.response!.topLevelData, true);
  assert.equal(
    (await h.call('update', 'sys/capabilities-accessor', { accessor: 'nope', paths: 'x' }, h.rootToken))
      .status,
    400,
  );
});

test('a num_uses token works exactly that many times', async () => {
  const h = await unsealedHarness();
  const token = await tokenWith(h, h.rootToken, ['default'], { num_uses: 2 });
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);
  const third = await h.call('read', 'auth/token/lookup-self', {}, token);
  assert.equal(third.status, 403);
  assert.deepEqual(third.error!.messages, ['permission denied', 'invalid token']);
});

test('an expired token is rejected at use time by the clock', async () => {
  const h = await unsealedHarness();
  const token = await tokenWith(h, h.rootToken, ['default'], { ttl: '1m' });
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 200);
  h.clock.advance(61_000);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, token)).status, 403);
  await h.core.tick();
});
