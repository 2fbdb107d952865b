import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeBackendFactory, cubbyholeStoragePrefix } from '../../../../src/engines/cubbyhole/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import type { RequestAuth } from '../../../../src/logical/request.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

function token(hash: string): RequestAuth {
  return {
    accessor: `acc-${hash}`,
    policies: ['default'],
    displayName: 'token',
    entityId: '',
    metadata: {},
    tokenIdHash: hash,
  };
}

const alice = token('aaaa1111');
const bob = token('bbbb2222');
const isNotFound = (err: unknown) => isArcaError(err, 'not_found') && err.messages.length === 0;

test('each token sees only its own cubbyhole', async () => {
  const cubby = await EngineHarness.mount(cubbyholeBackendFactory);
  await cubby.call('write', 'secret', { data: { v: 'alice' }, auth: alice });
  assert.equal(cubby.lastResolved, 'create');
  await assert.rejects(cubby.call('read', 'secret', { auth: bob }), isNotFound);
  await assert.rejects(cubby.call('list', '', { auth: bob }), isNotFound);
  await cubby.call('write', 'secret', { data: { v: 'bob' }, auth: bob });
  assert.equal(cubby.lastResolved, 'create', "bob's existence check does not see alice's key");
  assert.deepEqual((await cubby.call('read', 'secret', { auth: alice })).data, { v: 'alice' });
  assert.deepEqual((await cubby.call('read', 'secret', { auth: bob })).data, { v: 'bob' });
  await cubby.call('delete', 'secret', { auth: bob });
  assert.deepEqual((await cubby.call('read', 'secret', { auth: alice })).data, { v: 'alice' });
  assert.ok(cubby.storage.keys().every((key) => key.startsWith(cubbyholeStoragePrefix(alice.tokenIdHash))));
});

test('cubbyhole list, overwrite and lease-free reads', async () => {
  const cubby = await EngineHarness.mount(cubbyholeBackendFactory);
  await cubby.call('write', 'a', { data: { x: 1 }, auth: alice });
  await cubby.call('write', 'dir/b', { data: { x: 2 }, auth: alice });
  assert.deepEqual((await cubby.call('list', '', { auth: alice })).data, { keys: ['a', 'dir/'] });
  assert.deepEqual((await cubby.call('list', 'dir/', { auth: alice })).data, { keys: ['b'] });
  await cubby.call('write', 'a', { data: { y: 2 }, auth: alice });
  assert.equal(cubby.lastResolved, 'update');
  const read = await cubby.call('read', 'a', { auth: alice });
  assert.deepEqual(read.data, { y: 2 });
  assert.equal(read.secret, undefined);
});

test('cubbyhole refuses calls without a token identity, and empty writes', async () => {
  const cubby = await EngineHarness.mount(cubbyholeBackendFactory);
  await assert.rejects(cubby.call('read', 'a'), (err: unknown) => isArcaError(err, 'invalid_request'));
  await assert.rejects(cubby.call('write', 'a', { data: { v: 1 } }), (err: unknown) =>
    isArcaError(err, 'invalid_request'),
  );
  await assert.rejects(
    cubby.call('write', 'a', { data: {}, auth: alice }),
    (err: unknown) => isArcaError(err, 'invalid_request') && err.messages[0] === 'missing data fields',
  );
});

test('the storage prefix is one segment: a hash with a slash is a programmer error', () => {
  assert.equal(cubbyholeStoragePrefix('abc'), 'abc/');
  assert.throws(() => cubbyholeStoragePrefix('a/b'), /one path segment/);
  assert.throws(() => cubbyholeStoragePrefix(''), /one path segment/);
});
