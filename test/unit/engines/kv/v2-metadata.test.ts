/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk parsed JSON bodies */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

const mergePatch = 'application/merge-patch+json';

async function kv2(): Promise<EngineHarness> {
  return EngineHarness.mount(kvBackendFactory, { version: '2' });
}

const isNotFound = (err: unknown) => isArcaError(err, 'not_found') && err.messages.length === 0;

test('config reads Vault defaults and takes CLI strings', async () => {
  const kv = await kv2();
  assert.deepEqual((await kv.call('read', 'config')).data, {
    cas_required: false,
    delete_version_after: '0s',
    max_versions: 0,
  });
  await kv.call('write', 'config', {
    data: { max_versions: '5', cas_required: 'true', delete_version_after: '90m' },
  });
  assert.deepEqual((await kv.call('read', 'config')).data, {
    cas_required: true,
    delete_version_after: '1h30m0s',
    max_versions: 5,
  });
  await kv.call('write', 'config', { data: { max_versions: 7 } });
  assert.equal(
    (await kv.call('read', 'config')).data?.cas_required,
    true,
    'a partial write keeps other settings',
  );
  await assert.rejects(
    kv.call('write', 'config', { data: { max_versions: -1 } }),
    (err: unknown) => isArcaError(err) && err.httpStatus === 400,
  );
  await assert.rejects(
    kv.call('write', 'config', { data: { delete_version_after: 'soon' } }),
    (err: unknown) => isArcaError(err, 'invalid_field') && err.message.includes('delete_version_after'),
  );
});

test('metadata read: versions, times from the clock, settings', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/app', { data: { data: { a: 1 } } });
  kv.clock.advance(1500);
  await kv.call('write', 'data/app', { data: { data: { a: 2 } } });
  kv.clock.advance(500);
  await kv.call('delete', 'data/app');
  assert.deepEqual((await kv.call('read', 'metadata/app')).data, {
    cas_required: false,
    created_time: '2026-01-02T03:04:05.678Z',
    current_version: 2,
    custom_metadata: null,
    delete_version_after: '0s',
    max_versions: 0,
    oldest_version: 0,
    updated_time: '2026-01-02T03:04:07.178Z',
    versions: {
      '1': { created_time: '2026-01-02T03:04:05.678Z', deletion_time: '', destroyed: false },
      '2': {
        created_time: '2026-01-02T03:04:07.178Z',
        deletion_time: '2026-01-02T03:04:07.678Z',
        destroyed: false,
      },
    },
  });
  await assert.rejects(kv.call('read', 'metadata/missing'), isNotFound);
});

test('whole-second times have no fraction, as Go prints RFC3339Nano', async () => {
  const kv = await kv2();
  kv.clock.setWall(Date.UTC(2026, 5, 1, 12, 0, 0, 0));
  const written = await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  assert.equal(written.data?.created_time, '2026-06-01T12:00:00Z');
  kv.clock.setWall(Date.UTC(2026, 5, 1, 12, 0, 0, 120));
  const second = await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  assert.equal(second.data?.created_time, '2026-06-01T12:00:00.12Z');
});

test('metadata write creates the key without a version and sets custom_metadata shown on reads', async () => {
  const kv = await kv2();
  await kv.call('write', 'metadata/app', {
    data: {
      max_versions: '4',
      cas_required: 'false',
      delete_version_after: '3h25m19s',
      custom_metadata: { owner: 'ops', tier: 1 },
    },
  });
  assert.equal(kv.lastResolved, 'create');
  const metadata = (await kv.call('read', 'metadata/app')).data as Record<string, any>;
  assert.equal(metadata.current_version, 0);
  assert.equal(metadata.max_versions, 4);
  assert.equal(metadata.delete_version_after, '3h25m19s');
  assert.deepEqual(metadata.custom_metadata, { owner: 'ops', tier: '1' });
  assert.deepEqual(metadata.versions, {});
  await assert.rejects(kv.call('read', 'data/app'), isNotFound);
  const written = await kv.call('write', 'data/app', { data: { data: { a: 1 } } });
  assert.equal(kv.lastResolved, 'update', 'metadata makes the key exist for the ACL');
  assert.deepEqual(written.data?.custom_metadata, { owner: 'ops', tier: '1' });
  assert.deepEqual(((await kv.call('read', 'data/app')).data?.metadata as any).custom_metadata, {
    owner: 'ops',
    tier: '1',
  });
  // A write with no settings is a no-op that does not create anything.
  await kv.call('write', 'metadata/empty', { data: {} });
  await assert.rejects(kv.call('read', 'metadata/empty'), isNotFound);
});

test('custom_metadata is validated like Vault (count, lengths, printable)', async () => {
  const kv = await kv2();
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
  const rejects = (custom: unknown, fragment: string) =>
    assert.rejects(
      kv.call('write', 'metadata/k', { data: { custom_metadata: custom } }),
      (err: unknown) => isArcaError(err) && err.httpStatus === 400 && err.message.includes(fragment),
    );
  await rejects(many, 'at most 64 keys, provided 65');
  await rejects({ ['x'.repeat(129)]: 'v' }, 'length of key');
  await rejects({ k: 'v'.repeat(513) }, 'length of value');
  await rejects({ k: '' }, 'length of value');
  await rejects({ k: 'bell\u0007' }, 'unprintable');
  await rejects({ k: { nested: 1 } }, 'custom_metadata validation failed');
  await kv.call('write', 'metadata/k', {
    data: { custom_metadata: { k: 'v'.repeat(512), ['x'.repeat(128)]: 'ok' } },
  });
});

test("a cas_required=false that the mount overrides earns Vault's warning", async () => {
  const kv = await kv2();
  await kv.call('write', 'config', { data: { cas_required: true } });
  const response = await kv.call('write', 'metadata/k', { data: { cas_required: false } });
  assert.deepEqual(response.warnings, [
    '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
  ]);
});

test('metadata PATCH merges settings and custom_metadata (null removes), needs merge-patch, 404 when missing', async () => {
  const kv = await kv2();
  await kv.call('write', 'metadata/k', { data: { max_versions: 3, custom_metadata: { a: '1', b: '2' } } });
  await assert.rejects(
    kv.call('patch', 'metadata/k', { data: { max_versions: 4 }, contentType: 'application/json' }),
    (err: unknown) => isArcaError(err, 'unsupported_media_type'),
  );
  await kv.call('patch', 'metadata/k', {
    data: { cas_required: true, custom_metadata: { a: null, c: '3' } },
    contentType: mergePatch,
  });
  const metadata = (await kv.call('read', 'metadata/k')).data as Record<string, any>;
  assert.equal(metadata.max_versions, 3);
  assert.equal(metadata.cas_required, true);
  assert.deepEqual(metadata.custom_metadata, { b: '2', c: '3' });
  await assert.rejects(
    kv.call('patch', 'metadata/missing', { data: { max_versions: 1 }, contentType: mergePatch }),
    isNotFound,
  );
});

test('metadata DELETE removes every version and the metadata', async () => {
  const kv = await kv2();
  for (const n of [1, 2, 3]) await kv.call('write', 'data/app/k', { data: { data: { n } } });
  await kv.call('write', 'data/app/other', { data: { data: { n: 0 } } });
  await kv.call('delete', 'metadata/app/k');
  assert.deepEqual(kv.storage.keys(), ['metadata/app/other', 'versions/app/other/1']);
  await assert.rejects(kv.call('read', 'data/app/k'), isNotFound);
  await assert.rejects(kv.call('read', 'metadata/app/k'), isNotFound);
  await kv.call('delete', 'metadata/app/k');
  // A fresh write starts again at version 1.
  assert.equal((await kv.call('write', 'data/app/k', { data: { data: { n: 9 } } })).data?.version, 1);
});

test('LIST metadata/ shows keys and folders; an empty folder is the empty 404', async () => {
  const kv = await kv2();
  for (const path of ['foo', 'foo/bar', 'foo/baz/qux', 'zed']) {
    await kv.call('write', `data/${path}`, { data: { data: { a: 1 } } });
  }
  assert.deepEqual((await kv.call('list', 'metadata/')).data, { keys: ['foo', 'foo/', 'zed'] });
  assert.deepEqual((await kv.call('list', 'metadata/foo/')).data, { keys: ['bar', 'baz/'] });
  assert.deepEqual((await kv.call('list', 'metadata/foo')).data, { keys: ['bar', 'baz/'] });
  await assert.rejects(kv.call('list', 'metadata/nothing/'), isNotFound);
  const empty = await kv2();
  await assert.rejects(empty.call('list', 'metadata/'), isNotFound);
});
