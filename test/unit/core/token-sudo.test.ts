/**
 * Vault's "root or sudo" token operations through the pipeline: `LIST auth/token/accessors`,
 * orphan creation (`no_parent`), a custom token id, `period` and `revoke-orphan` are allowed to a
 * token whose policy grants `sudo` there, refused without it, and sudo never mints a root token.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness, type Harness } from '../../helpers/core/core-harness.js';

const withSudo = `
path "auth/token/accessors" { capabilities = ["list", "sudo"] }
path "auth/token/create" { capabilities = ["create", "update", "sudo"] }
path "auth/token/revoke-orphan" { capabilities = ["update", "sudo"] }
path "auth/token/lookup" { capabilities = ["update"] }
`;
const withoutSudo = withSudo.replaceAll(', "sudo"', '');

let h: Harness & { rootToken: string };
let sudoToken: string;
let plainToken: string;

async function tokenFor(policies: string[], caller = h.rootToken, extra: Record<string, unknown> = {}) {
  const out = await h.call('update', 'auth/token/create', { policies, ...extra }, caller);
  assert.equal(out.status, 200, out.error?.message);
  return out.response!.auth!.clientToken;
}

before(async () => {
  h = await unsealedHarness();
  for (const [name, policy] of [
    ['tok-sudo', withSudo],
    ['tok-plain', withoutSudo],
    ['other', 'path "x/*" { capabilities = ["read"] }'],
  ]) {
    assert.equal((await h.call('update', `sys/policies/acl/${name}`, { policy }, h.rootToken)).status, 204);
  }
  sudoToken = await tokenFor(['tok-sudo']);
  plainToken = await tokenFor(['tok-plain']);
});

test('sys/capabilities-self reports sudo, and LIST auth/token/accessors then works (403 without sudo)', async () => {
  const caps = await h.call(
    'update',
    'sys/capabilities-self',
    { paths: ['auth/token/accessors'] },
    sudoToken,
  );
  assert.deepEqual(caps.response!.data!.capabilities, ['list', 'sudo']);
  const listed = await h.call('list', 'auth/token/accessors/', {}, sudoToken);
  assert.equal(listed.status, 200, listed.error?.message);
  assert.ok((listed.response!.data!.keys as string[]).length >= 3);
  assert.equal((await h.call('list', 'auth/token/accessors/', {}, plainToken)).status, 403);
});

test('orphan creation (no_parent), a custom id and a period need root or sudo', async () => {
  const orphan = await h.call('update', 'auth/token/create', { no_parent: true }, sudoToken);
  assert.equal(orphan.status, 200, orphan.error?.message);
  const looked = await h.call(
    'update',
    'auth/token/lookup',
    { token: orphan.response!.auth!.clientToken },
    sudoToken,
  );
  assert.equal(looked.response!.data!.orphan, true);

  const custom = await h.call('update', 'auth/token/create', { id: 'my-custom-token' }, sudoToken);
  assert.equal(custom.status, 200, custom.error?.message);
  assert.equal(custom.response!.auth!.clientToken, 'my-custom-token');

  const periodic = await h.call('update', 'auth/token/create', { period: '1h' }, sudoToken);
  assert.equal(periodic.status, 200, periodic.error?.message);

  for (const [body, message] of [
    [{ no_parent: true }, 'root or sudo privileges required to create orphan token'],
    [{ id: 'another-custom' }, 'root or sudo privileges required to specify token id'],
    [{ period: '1h' }, 'root or sudo privileges required to create periodic token'],
  ] as const) {
    const refused = await h.call('update', 'auth/token/create', body, plainToken);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.error!.messages, [message]);
  }
});

test('sudo lifts the subset rule for policies, but never mints a root token', async () => {
  const other = await h.call('update', 'auth/token/create', { policies: ['other'] }, sudoToken);
  assert.equal(other.status, 200, other.error?.message);
  assert.equal(
    (await h.call('update', 'auth/token/create', { policies: ['other'] }, plainToken)).status,
    400,
  );
  const root = await h.call('update', 'auth/token/create', { policies: ['root'] }, sudoToken);
  assert.equal(root.status, 400);
  assert.deepEqual(root.error!.messages, ['root tokens may not be created without parent token being root']);
  const roleRoot = await h.call(
    'update',
    'auth/token/create',
    { policies: ['root'], no_parent: true },
    sudoToken,
  );
  assert.equal(roleRoot.status, 400);
});

test('revoke-orphan works with sudo (children survive as orphans) and is 403 without', async () => {
  const parent = await tokenFor(['tok-plain'], h.rootToken);
  const child = await tokenFor(['tok-plain'], parent);
  assert.equal(
    (await h.call('update', 'auth/token/revoke-orphan', { token: parent }, plainToken)).status,
    403,
  );
  const revoked = await h.call('update', 'auth/token/revoke-orphan', { token: parent }, sudoToken);
  assert.equal(revoked.status, 204, revoked.error?.message);
  assert.equal((await h.call('read', 'auth/token/lookup-self', {}, parent)).status, 403);
  const childSelf = await h.call('read', 'auth/token/lookup-self', {}, child);
  assert.equal(childSelf.status, 200);
  assert.equal(childSelf.response!.data!.orphan, true);
});
