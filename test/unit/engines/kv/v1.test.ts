import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

const isNotFound = (err: unknown) => isArcaError(err, 'not_found') && err.messages.length === 0;

test('v1 is the default: put, get, overwrite whole, delete', async () => {
  const kv = await EngineHarness.mount(kvBackendFactory);
  await kv.call('write', 'app/db', { data: { password: 'pw', nested: { a: [1, 2] } } });
  assert.equal(kv.lastResolved, 'create');
  const read = await kv.call('read', 'app/db');
  assert.deepEqual(read.data, { password: 'pw', nested: { a: [1, 2] } });
  assert.deepEqual(read.secret, { ttlSeconds: 0, renewable: false });
  assert.equal(read.warnings, undefined, 'arbitrary keys earn no warning');
  await kv.call('write', 'app/db', { data: { user: 'u' } });
  assert.equal(kv.lastResolved, 'update');
  assert.deepEqual((await kv.call('read', 'app/db')).data, { user: 'u' });
  await kv.call('delete', 'app/db');
  await assert.rejects(kv.call('read', 'app/db'), isNotFound);
  await kv.call('delete', 'app/db');
});

test('v1 ttl (or lease) key sets the lease duration hint', async () => {
  const kv = await EngineHarness.mount(kvBackendFactory, { version: '1' });
  await kv.call('write', 'a', { data: { ttl: '1h', v: 1 } });
  assert.deepEqual((await kv.call('read', 'a')).secret, { ttlSeconds: 3600, renewable: false });
  await kv.call('write', 'b', { data: { lease: 90 } });
  assert.equal((await kv.call('read', 'b')).secret?.ttlSeconds, 90);
  await kv.call('write', 'c', { data: { ttl: 'garbage' } });
  assert.equal((await kv.call('read', 'c')).secret?.ttlSeconds, 0);
});

test('v1 list shows direct children; empty is the empty 404', async () => {
  const kv = await EngineHarness.mount(kvBackendFactory);
  for (const path of ['a', 'dir/x', 'dir/sub/y']) await kv.call('write', path, { data: { v: 1 } });
  assert.deepEqual((await kv.call('list', '')).data, { keys: ['a', 'dir/'] });
  assert.deepEqual((await kv.call('list', 'dir/')).data, { keys: ['sub/', 'x'] });
  await assert.rejects(kv.call('list', 'none/'), isNotFound);
});

test('v1 writes need a path and some data', async () => {
  const kv = await EngineHarness.mount(kvBackendFactory);
  await assert.rejects(
    kv.call('write', 'a', { data: {} }),
    (err: unknown) => isArcaError(err, 'invalid_request') && err.messages[0] === 'missing data fields',
  );
  await assert.rejects(
    kv.call('write', '', { data: { a: 1 } }),
    (err: unknown) => isArcaError(err, 'invalid_request') && err.messages[0] === 'missing path',
  );
});
