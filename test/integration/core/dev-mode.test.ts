import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory } from '../../../src/engines/cubbyhole/index.js';
import { kvBackendFactory } from '../../../src/engines/kv/index.js';
import { makeHarness } from '../../helpers/core/core-harness.js';

const engines = { kv: kvBackendFactory, cubbyhole: cubbyholeBackendFactory };

test('dev mode: unsealed, chosen root token, KV v2 at secret/ works end to end through handleRequest', async () => {
  const h = await makeHarness({ engines });
  const dev = await h.core.initializeDev({ rootTokenId: 'dev-root' });
  assert.equal(dev.rootToken, 'dev-root');
  assert.equal(dev.unsealKey.length, 32, '1 share = the unsplit 32-byte key, as Vault');
  assert.equal(h.core.sealed(), false);
  const root = dev.rootToken;

  const ui = await h.call('read', 'sys/internal/ui/mounts/secret/app/config', {}, root);
  assert.equal(ui.status, 200);
  assert.deepEqual(ui.response!.data!.options, { version: '2' }, 'the CLI detects KV v2 here');
  assert.equal(ui.response!.data!.type, 'kv');

  const write = await h.call('update', 'secret/data/app/config', { data: { user: 'u', pass: 'p' } }, root);
  assert.equal(write.status, 200, write.error?.message);
  assert.equal(write.response!.data!.version, 1);
  assert.equal(write.response!.mountType, 'kv');
  const cas = await h.call(
    'update',
    'secret/data/app/config',
    { data: { user: 'v' }, options: { cas: 0 } },
    root,
  );
  assert.equal(cas.status, 400);
  await h.call('update', 'secret/data/app/config', { data: { user: 'v' }, options: { cas: 1 } }, root);
  const read = await h.call('read', 'secret/data/app/config', {}, root);
  assert.deepEqual(read.response!.data!.data, { user: 'v' });
  assert.equal((read.response!.data!.metadata as { version: number }).version, 2);
  const old = await h.call('read', 'secret/data/app/config', { version: '1' }, root);
  assert.deepEqual(old.response!.data!.data, { user: 'u', pass: 'p' });
  const list = await h.call('list', 'secret/metadata/app/', {}, root);
  assert.deepEqual(list.response!.data, { keys: ['config'] });
  assert.equal((await h.call('delete', 'secret/data/app/config', {}, root)).status, 204);
  const deleted = await h.call('read', 'secret/data/app/config', {}, root);
  assert.equal(deleted.status, 404, 'soft-deleted version is a 404 with a full envelope');
  assert.equal((await h.call('read', 'secret/data/missing', {}, root)).status, 404);

  // A policy-limited token: create on data/, nothing on another path.
  await h.call(
    'update',
    'sys/policies/acl/app',
    { policy: 'path "secret/data/app/*" { capabilities = ["create", "read"] }' },
    root,
  );
  const created = await h.call('update', 'auth/token/create', { policies: ['app'] }, root);
  const token = created.response!.auth!.clientToken;
  assert.equal((await h.call('update', 'secret/data/app/new', { data: { a: 1 } }, token)).status, 200);
  const update = await h.call('update', 'secret/data/app/new', { data: { a: 2 } }, token);
  assert.equal(update.status, 403, 'existing key needs update, which the policy lacks');
  assert.equal((await h.call('read', 'secret/data/app/new', {}, token)).status, 200);
  assert.equal((await h.call('read', 'secret/data/other', {}, token)).status, 403);
  assert.equal((await h.call('read', 'sys/internal/ui/mounts/secret/app/new', {}, token)).status, 200);
  assert.equal((await h.call('read', 'sys/internal/ui/mounts/secret/other', {}, token)).status, 403);
  await h.core.close();
});

test('dev mode on an initialised store fails with 400 and leaves it alone', async () => {
  const h = await makeHarness({ engines });
  await h.core.initializeDev();
  await h.call('update', 'sys/seal', {}, 'unknown');
  await assert.rejects(h.core.initializeDev(), /already initialized/);
  await h.core.close();
});

test('cubbyhole is per token and goes away when the token is revoked', async () => {
  const h = await makeHarness({ engines });
  const { rootToken } = await h.core.initializeDev();
  const mk = async (): Promise<string> =>
    (await h.call('update', 'auth/token/create', { policies: ['default'] }, rootToken)).response!.auth!
      .clientToken;
  const alice = await mk();
  const bob = await mk();
  assert.equal((await h.call('update', 'cubbyhole/note', { v: 'alice' }, alice)).status, 204);
  assert.deepEqual((await h.call('read', 'cubbyhole/note', {}, alice)).response!.data, { v: 'alice' });
  assert.equal((await h.call('read', 'cubbyhole/note', {}, bob)).status, 404);
  // Storage keys (not values) are visible below the barrier: one folder per token.
  const mounts = await h.call('read', 'sys/mounts', {}, rootToken);
  const uuid = (mounts.response!.data!['cubbyhole/'] as { uuid: string }).uuid;
  assert.equal((await h.physical.list(`logical/${uuid}/`)).length, 1);
  assert.equal((await h.call('update', 'auth/token/revoke-self', {}, alice)).status, 204);
  assert.equal((await h.call('read', 'cubbyhole/note', {}, alice)).status, 403);
  await h.core.tick();
  assert.deepEqual(await h.physical.list(`logical/${uuid}/`), [], "the revoked token's cubbyhole is deleted");
  await h.core.close();
});

test('KV v1 reads report the mount default TTL (or the secret ttl key) and register no lease', async () => {
  const h = await makeHarness({ engines });
  const { rootToken } = await h.core.initializeDev();
  assert.equal((await h.call('update', 'sys/mounts/kv1', { type: 'kv' }, rootToken)).status, 204);
  await h.call('update', 'sys/mounts/kv1/tune', { default_lease_ttl: '2h' }, rootToken);
  await h.call('update', 'kv1/plain', { a: 'b' }, rootToken);
  await h.call('update', 'kv1/short', { a: 'b', ttl: '30m' }, rootToken);
  const plain = await h.call('read', 'kv1/plain', {}, rootToken);
  assert.equal(plain.response!.secret!.ttlSeconds, 7200);
  assert.equal(plain.response!.secret!.renewable, false);
  assert.equal(plain.response!.leaseId, undefined);
  assert.equal((await h.call('read', 'kv1/short', {}, rootToken)).response!.secret!.ttlSeconds, 1800);
  const ui = await h.call('read', 'sys/internal/ui/mounts/kv1/plain', {}, rootToken);
  assert.equal(ui.response!.data!.options, null, 'no version option: the CLI treats it as v1');
  await h.core.close();
});
