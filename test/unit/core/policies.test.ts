import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsealedHarness } from '../../helpers/core/core-harness.js';

const readerPolicy = `
path "notes/shared/*" {
  capabilities = ["read", "list"]
}
path "notes/mine/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
`;

test('policies: write, read, list and delete through both APIs', async () => {
  const h = await unsealedHarness();
  assert.equal(
    (await h.call('update', 'sys/policies/acl/reader', { policy: readerPolicy }, h.rootToken)).status,
    204,
  );
  const viaAcl = await h.call('read', 'sys/policies/acl/reader', {}, h.rootToken);
  assert.deepEqual(viaAcl.response!.data, { name: 'reader', policy: readerPolicy });
  assert.equal(viaAcl.response!.topLevelData, undefined, 'policies/acl is a plain envelope');
  const viaLegacy = await h.call('read', 'sys/policy/reader', {}, h.rootToken);
  assert.deepEqual(viaLegacy.response!.data, { name: 'reader', rules: readerPolicy });
  assert.equal(viaLegacy.response!.topLevelData, true);

  const list = await h.call('list', 'sys/policies/acl/', {}, h.rootToken);
  assert.deepEqual(list.response!.data, { keys: ['default', 'reader', 'root'] });
  const legacyList = await h.call('read', 'sys/policy', {}, h.rootToken);
  assert.deepEqual(legacyList.response!.data, {
    keys: ['default', 'reader', 'root'],
    policies: ['default', 'reader', 'root'],
  });

  assert.equal(
    (await h.call('update', 'sys/policy/legacy', { rules: readerPolicy }, h.rootToken)).status,
    204,
  );
  const b64 = Buffer.from(readerPolicy).toString('base64');
  assert.equal(
    (await h.call('update', 'sys/policies/acl/encoded', { policy: b64 }, h.rootToken)).status,
    204,
  );
  assert.equal(
    (await h.call('read', 'sys/policies/acl/encoded', {}, h.rootToken)).response!.data!.policy,
    readerPolicy,
  );

  assert.equal((await h.call('delete', 'sys/policies/acl/reader', {}, h.rootToken)).status, 204);
  assert.equal(
    (await h.call('delete', 'sys/policies/acl/reader', {}, h.rootToken)).status,
    204,
    'idempotent',
  );
  const missing = await h.call('read', 'sys/policies/acl/reader', {}, h.rootToken);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.error!.messages, []);
});

test('root can be neither written nor deleted; default can be edited but not deleted', async () => {
  const h = await unsealedHarness();
  assert.equal(
    (await h.call('update', 'sys/policies/acl/root', { policy: readerPolicy }, h.rootToken)).status,
    400,
  );
  assert.equal((await h.call('delete', 'sys/policies/acl/root', {}, h.rootToken)).status, 400);
  assert.equal((await h.call('delete', 'sys/policy/default', {}, h.rootToken)).status, 400);
  const dflt = await h.call('read', 'sys/policies/acl/default', {}, h.rootToken);
  assert.match(dflt.response!.data!.policy as string, /auth\/token\/lookup-self/);
  assert.match(dflt.response!.data!.policy as string, /cubbyhole\/\*/);
  assert.equal(
    (await h.call('update', 'sys/policies/acl/default', { policy: readerPolicy }, h.rootToken)).status,
    204,
  );
});

test('a bad policy is 400 failed to parse policy; names are lower-cased with a warning', async () => {
  const h = await unsealedHarness();
  const bad = await h.call(
    'update',
    'sys/policies/acl/bad',
    { policy: 'path "x" { capabilities = ' },
    h.rootToken,
  );
  assert.equal(bad.status, 400);
  assert.match(bad.error!.message, /failed to parse policy/);
  assert.equal((await h.call('update', 'sys/policies/acl/empty', { policy: '' }, h.rootToken)).status, 400);
  const upper = await h.call('update', 'sys/policies/acl/MixedCase', { policy: readerPolicy }, h.rootToken);
  assert.equal(upper.status, 200);
  assert.equal(upper.response!.warnings!.length, 1);
  assert.equal((await h.call('read', 'sys/policies/acl/mixedcase', {}, h.rootToken)).status, 200);
});

test('a policy laid out as Vault users write it (brace on the next line) is stored and enforced', async () => {
  const h = await unsealedHarness();
  const policy = '# notes, read-only\npath "notes/shared/*"\n{\n  capabilities = ["read", "list"]\n}\n';
  assert.equal((await h.call('update', 'sys/policies/acl/nextline', { policy }, h.rootToken)).status, 204);
  const token = await h.call('update', 'auth/token/create', { policies: ['nextline'] }, h.rootToken);
  const caps = await h.call(
    'update',
    'sys/capabilities-self',
    { paths: ['notes/shared/a'] },
    token.response!.auth!.clientToken,
  );
  assert.deepEqual(caps.response!.data!.capabilities, ['list', 'read']);
});
