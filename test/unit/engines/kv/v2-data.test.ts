/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk parsed JSON bodies */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvBackendFactory } from '../../../../src/engines/kv/index.js';
import { isArcaError } from '../../../../src/lib/errors.js';
import type { LogicalResponse } from '../../../../src/logical/response.js';
import { EngineHarness } from '../../../helpers/engine-harness.js';

const mergePatch = 'application/merge-patch+json';
const t0 = '2026-01-02T03:04:05.678Z';

async function kv2(): Promise<EngineHarness> {
  return EngineHarness.mount(kvBackendFactory, { version: '2' });
}

function isNotFound(err: unknown): boolean {
  return isArcaError(err, 'not_found') && err.httpStatus === 404 && err.messages.length === 0;
}

function isBadRequest(message: string) {
  return (err: unknown) => isArcaError(err) && err.httpStatus === 400 && err.messages.includes(message);
}

/** The parsed body of a raw 404 (deleted or destroyed version). */
function rawBody(response: LogicalResponse): Record<string, any> {
  assert.equal(response.raw?.status, 404);
  assert.equal(response.raw?.contentType, 'application/json');
  return JSON.parse(String(response.raw?.body));
}

test('write then read returns the data and Vault-shaped version metadata', async () => {
  const kv = await kv2();
  const written = await kv.call('write', 'data/app/db', {
    data: { data: { password: 's3cret', port: 5432 } },
  });
  assert.equal(kv.lastResolved, 'create');
  assert.deepEqual(written.data, {
    created_time: t0,
    custom_metadata: null,
    deletion_time: '',
    destroyed: false,
    version: 1,
  });
  const read = await kv.call('read', 'data/app/db');
  assert.deepEqual(read.data, {
    data: { password: 's3cret', port: 5432 },
    metadata: { created_time: t0, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
  });
  assert.equal(read.secret, undefined, 'KV v2 reads carry no lease');
});

test('every write is a new version; ?version= reads an old one (also as a string)', async () => {
  const kv = await kv2();
  for (const n of [1, 2, 3]) {
    kv.clock.advance(1000);
    await kv.call('write', 'data/k', { data: { data: { n } } });
  }
  assert.equal(kv.lastResolved, 'update');
  assert.deepEqual((await kv.call('read', 'data/k')).data?.data, { n: 3 });
  const v1 = await kv.call('read', 'data/k', { data: { version: '1' } });
  assert.deepEqual(v1.data?.data, { n: 1 });
  assert.equal((v1.data?.metadata as Record<string, unknown>).version, 1);
  assert.equal((v1.data?.metadata as Record<string, unknown>).created_time, '2026-01-02T03:04:06.678Z');
  await assert.rejects(kv.call('read', 'data/k', { data: { version: 9 } }), isNotFound);
  await assert.rejects(kv.call('read', 'data/k', { data: { version: 'nine' } }), (err: unknown) =>
    isArcaError(err, 'invalid_field'),
  );
});

test('a missing key is the empty 404', async () => {
  const kv = await kv2();
  await assert.rejects(kv.call('read', 'data/nope'), isNotFound);
  await assert.rejects(kv.call('read', 'subkeys/nope'), isNotFound);
});

test('a write needs data', async () => {
  const kv = await kv2();
  await assert.rejects(kv.call('write', 'data/k', { data: {} }), isBadRequest('no data provided'));
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: null } }),
    isBadRequest('no data provided'),
  );
  await assert.rejects(kv.call('write', 'data/k', { data: { data: 'not a map' } }), (err: unknown) =>
    isArcaError(err, 'invalid_field'),
  );
});

test('the CLI form (data as JSON text) is accepted', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: '{"a":"b"}', options: '{"cas":0}' } });
  assert.deepEqual((await kv.call('read', 'data/k')).data?.data, { a: 'b' });
});

test('check-and-set: 0 only creates, N must equal the current version, a mismatch changes nothing', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: { v: 1 }, options: { cas: 0 } } });
  const before = new Map(kv.storage.entries);
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: { v: 'x' }, options: { cas: 0 } } }),
    (err: unknown) =>
      isArcaError(err, 'cas_mismatch') &&
      err.httpStatus === 400 &&
      err.messages[0] === 'check-and-set parameter did not match the current version',
  );
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: { v: 'x' }, options: { cas: 2 } } }),
    (err: unknown) => isArcaError(err, 'cas_mismatch'),
  );
  assert.deepEqual(kv.storage.entries, before, 'a failed CAS writes nothing');
  await kv.call('write', 'data/k', { data: { data: { v: 2 }, options: { cas: '1' } } });
  assert.deepEqual((await kv.call('read', 'data/k')).data?.data, { v: 2 });
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: {}, options: { cas: 'abc' } } }),
    isBadRequest('error parsing check-and-set parameter'),
  );
});

test('cas_required on the mount or on the key refuses writes without cas', async () => {
  const kv = await kv2();
  await kv.call('write', 'config', { data: { cas_required: 'true' } });
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: { a: 1 } } }),
    isBadRequest('check-and-set parameter required for this call'),
  );
  await kv.call('write', 'data/k', { data: { data: { a: 1 }, options: { cas: 0 } } });
  await kv.call('write', 'config', { data: { cas_required: false } });
  await kv.call('write', 'metadata/k', { data: { cas_required: true } });
  await assert.rejects(
    kv.call('write', 'data/k', { data: { data: { a: 2 } } }),
    isBadRequest('check-and-set parameter required for this call'),
  );
  await kv.call('write', 'data/other', { data: { data: { a: 2 } } });
});

test('two concurrent writes with the same cas: exactly one wins', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: { v: 0 } } });
  const results = await Promise.allSettled(
    [1, 2, 3, 4].map((n) => kv.call('write', 'data/k', { data: { data: { v: n }, options: { cas: 1 } } })),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.equal(
    results.filter((r) => r.status === 'rejected' && isArcaError(r.reason, 'cas_mismatch')).length,
    3,
  );
  const metadata = await kv.call('read', 'metadata/k');
  assert.equal(metadata.data?.current_version, 2);
});

test('PATCH merges (RFC 7386) into a new version and needs the merge-patch content type', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', {
    data: { data: { a: 1, nested: { x: 1, y: 2 }, list: [1, 2], gone: true } },
  });
  await assert.rejects(
    kv.call('patch', 'data/k', { data: { data: { a: 2 } }, contentType: 'application/json' }),
    (err: unknown) => isArcaError(err, 'unsupported_media_type') && err.httpStatus === 415,
  );
  await assert.rejects(kv.call('patch', 'data/k', { data: { data: { a: 2 } } }), (err: unknown) =>
    isArcaError(err, 'unsupported_media_type'),
  );
  const patched = await kv.call('patch', 'data/k', {
    data: { data: { a: 2, nested: { y: null, z: 3 }, list: [9], gone: null, added: 'yes' } },
    contentType: `${mergePatch}; charset=utf-8`,
  });
  assert.equal(patched.data?.version, 2);
  assert.deepEqual((await kv.call('read', 'data/k')).data?.data, {
    a: 2,
    nested: { x: 1, z: 3 },
    list: [9],
    added: 'yes',
  });
  assert.deepEqual((await kv.call('read', 'data/k', { data: { version: 1 } })).data?.data, {
    a: 1,
    nested: { x: 1, y: 2 },
    list: [1, 2],
    gone: true,
  });
});

test('PATCH on a missing key is 404; on a deleted latest version the raw 404; cas is checked', async () => {
  const kv = await kv2();
  await assert.rejects(
    kv.call('patch', 'data/nope', { data: { data: { a: 1 } }, contentType: mergePatch }),
    isNotFound,
  );
  await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  await assert.rejects(
    kv.call('patch', 'data/k', { data: { data: { a: 2 }, options: { cas: 5 } }, contentType: mergePatch }),
    (err: unknown) => isArcaError(err, 'cas_mismatch'),
  );
  await kv.call('patch', 'data/k', {
    data: { data: { a: 2 }, options: { cas: 1 } },
    contentType: mergePatch,
  });
  await kv.call('delete', 'data/k');
  const response = await kv.call('patch', 'data/k', { data: { data: { a: 3 } }, contentType: mergePatch });
  const body = rawBody(response);
  assert.equal(body.data.version, 2);
  assert.notEqual(body.data.deletion_time, '');
});

test('DELETE soft-deletes the latest version: raw 404 with the full envelope and metadata', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  kv.clock.advance(60_000);
  await kv.call('delete', 'data/k');
  const response = await kv.call('read', 'data/k');
  const body = rawBody(response);
  assert.match(body.request_id, /^req-/);
  assert.deepEqual(body, {
    request_id: body.request_id,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: {
      data: null,
      metadata: {
        created_time: t0,
        custom_metadata: null,
        deletion_time: '2026-01-02T03:05:05.678Z',
        destroyed: false,
        version: 1,
      },
    },
    wrap_info: null,
    warnings: null,
    auth: null,
  });
  // Deleting again changes nothing; deleting a missing key is fine.
  await kv.call('delete', 'data/k');
  await kv.call('delete', 'data/never');
  const subkeys = rawBody(await kv.call('read', 'subkeys/k'));
  assert.equal(subkeys.data.subkeys, null);
});

test('delete/ and undelete/ act on listed versions; destroy/ removes the data for good', async () => {
  const kv = await kv2();
  for (const n of [1, 2, 3]) await kv.call('write', 'data/k', { data: { data: { n } } });
  await kv.call('write', 'delete/k', { data: { versions: '1, 2' } });
  assert.equal(rawBody(await kv.call('read', 'data/k', { data: { version: 1 } })).data.metadata.version, 1);
  await kv.call('write', 'undelete/k', { data: { versions: 1 } });
  assert.deepEqual((await kv.call('read', 'data/k', { data: { version: 1 } })).data?.data, { n: 1 });
  assert.ok(kv.storage.entries.has('versions/k/2'));
  await kv.call('write', 'destroy/k', { data: { versions: ['2', 3] } });
  assert.equal(kv.storage.entries.has('versions/k/2'), false, 'destroyed data is gone from storage');
  assert.equal(kv.storage.entries.has('versions/k/3'), false);
  const destroyed = rawBody(await kv.call('read', 'data/k'));
  assert.equal(destroyed.data.metadata.destroyed, true);
  // Undelete cannot bring a destroyed version back.
  await kv.call('write', 'undelete/k', { data: { versions: [2, 3] } });
  assert.equal(
    rawBody(await kv.call('read', 'data/k', { data: { version: 2 } })).data.metadata.destroyed,
    true,
  );
  await kv.call('write', 'delete/k', { data: { versions: [42] } });
});

test('version lists are required and must be integers', async () => {
  const kv = await kv2();
  await assert.rejects(
    kv.call('write', 'delete/k', { data: {} }),
    isBadRequest('No version number provided'),
  );
  await assert.rejects(
    kv.call('write', 'undelete/k', { data: { versions: [] } }),
    isBadRequest('No version number provided'),
  );
  await assert.rejects(
    kv.call('write', 'destroy/k', { data: { versions: '' } }),
    isBadRequest('no version number provided'),
  );
  await assert.rejects(
    kv.call('write', 'destroy/k', { data: { versions: ['x'] } }),
    (err: unknown) => isArcaError(err, 'invalid_field') && err.message.includes('versions'),
  );
});

test('max_versions trims the oldest versions (mount config, key setting, default 10)', async () => {
  const kv = await kv2();
  await kv.call('write', 'config', { data: { max_versions: '3' } });
  for (let n = 1; n <= 5; n++) await kv.call('write', 'data/k', { data: { data: { n } } });
  const metadata = (await kv.call('read', 'metadata/k')).data as Record<string, any>;
  assert.deepEqual(Object.keys(metadata.versions).sort(), ['3', '4', '5']);
  assert.equal(metadata.oldest_version, 3);
  assert.equal(metadata.current_version, 5);
  await assert.rejects(kv.call('read', 'data/k', { data: { version: 2 } }), isNotFound);
  assert.deepEqual(
    kv.storage.keys().filter((key) => key.startsWith('versions/')),
    ['versions/k/3', 'versions/k/4', 'versions/k/5'],
  );

  const fresh = await kv2();
  for (let n = 1; n <= 12; n++) await fresh.call('write', 'data/k', { data: { data: { n } } });
  assert.equal(fresh.storage.keys().filter((key) => key.startsWith('versions/')).length, 10);
  await fresh.call('write', 'metadata/k', { data: { max_versions: 2 } });
  await fresh.call('write', 'data/k', { data: { data: { n: 13 } } });
  const trimmed = (await fresh.call('read', 'metadata/k')).data as Record<string, any>;
  assert.deepEqual(Object.keys(trimmed.versions).sort(), ['12', '13']);
  assert.deepEqual(
    fresh.storage.keys().filter((key) => key.startsWith('versions/')),
    ['versions/k/12', 'versions/k/13'],
  );
});

test('a write is one atomic batch: a failed batch leaves nothing behind', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  const before = new Map(kv.storage.entries);
  const batches = kv.storage.batchCalls;
  kv.storage.failNextBatch = true;
  await assert.rejects(kv.call('write', 'data/k', { data: { data: { a: 2 } } }), /injected batch failure/);
  assert.deepEqual(kv.storage.entries, before);
  await kv.call('write', 'data/k', { data: { data: { a: 3 } } });
  assert.equal(kv.storage.batchCalls, batches + 2);
  assert.equal((await kv.call('read', 'data/k')).data?.data && 3, 3);
  assert.equal(((await kv.call('read', 'metadata/k')).data as Record<string, any>).current_version, 2);
});

test('delete_version_after schedules deletion: readable until then, the raw 404 after', async () => {
  const kv = await kv2();
  await kv.call('write', 'config', { data: { delete_version_after: '1h' } });
  assert.deepEqual((await kv.call('read', 'config')).data, {
    cas_required: false,
    delete_version_after: '1h0m0s',
    max_versions: 0,
  });
  const written = await kv.call('write', 'data/k', { data: { data: { a: 1 } } });
  assert.equal(written.data?.deletion_time, '2026-01-02T04:04:05.678Z');
  kv.clock.advance(3_600_000 - 1);
  assert.deepEqual((await kv.call('read', 'data/k')).data?.data, { a: 1 });
  kv.clock.advance(1);
  assert.equal(
    rawBody(await kv.call('read', 'data/k')).data.metadata.deletion_time,
    '2026-01-02T04:04:05.678Z',
  );
  // The key's shorter setting wins over the mount's.
  await kv.call('write', 'metadata/short', { data: { delete_version_after: '10m' } });
  const short = await kv.call('write', 'data/short', { data: { data: { a: 1 } } });
  assert.equal(short.data?.deletion_time, '2026-01-02T04:14:05.678Z');
  // A negative mount value disables it everywhere.
  await kv.call('write', 'config', { data: { delete_version_after: '-1' } });
  assert.equal((await kv.call('read', 'config')).data?.delete_version_after, '-1s');
  assert.equal((await kv.call('write', 'data/short', { data: { data: { a: 2 } } })).data?.deletion_time, '');
});

test('subkeys replaces values with null, honouring depth', async () => {
  const kv = await kv2();
  await kv.call('write', 'data/k', { data: { data: { a: 1, b: { c: 2, d: { e: 3 } }, f: {}, g: [1] } } });
  const full = await kv.call('read', 'subkeys/k');
  assert.deepEqual(full.data?.subkeys, { a: null, b: { c: null, d: { e: null } }, f: null, g: null });
  assert.equal((full.data?.metadata as Record<string, unknown>).version, 1);
  assert.deepEqual((await kv.call('read', 'subkeys/k', { data: { depth: '1' } })).data?.subkeys, {
    a: null,
    b: null,
    f: null,
    g: null,
  });
  assert.deepEqual((await kv.call('read', 'subkeys/k', { data: { depth: 2 } })).data?.subkeys, {
    a: null,
    b: { c: null, d: null },
    f: null,
    g: null,
  });
  await assert.rejects(
    kv.call('read', 'subkeys/k', { data: { depth: -1 } }),
    (err: unknown) => isArcaError(err) && err.httpStatus === 400,
  );
});

test("unknown parameters are ignored with Vault's warning; bad paths and operations are 404/405", async () => {
  const kv = await kv2();
  const response = await kv.call('write', 'data/k', { data: { data: { a: 1 }, colour: 'red' } });
  assert.deepEqual(response.warnings, ['Endpoint ignored these unrecognized parameters: [colour]']);
  await assert.rejects(kv.call('read', 'data/'), (err: unknown) => isArcaError(err, 'unsupported_path'));
  await assert.rejects(kv.call('read', 'data/k/'), (err: unknown) => isArcaError(err, 'unsupported_path'));
  await assert.rejects(kv.call('list', 'data/k'), (err: unknown) =>
    isArcaError(err, 'unsupported_operation'),
  );
  await assert.rejects(kv.call('read', 'nonsense/k'), (err: unknown) => isArcaError(err, 'unsupported_path'));
});

test('an unknown kv version is a 400', async () => {
  await assert.rejects(EngineHarness.mount(kvBackendFactory, { version: '3' }), (err: unknown) =>
    isArcaError(err, 'invalid_request'),
  );
});

test('regression: a "__proto__" key in secret data survives PATCH and subkeys as an ordinary key', async () => {
  const kv = await kv2();
  const data = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  await kv.call('write', 'data/k', { data: { data } });
  await kv.call('patch', 'data/k', {
    data: { data: JSON.parse('{"__proto__": {"more": 1}}') },
    contentType: mergePatch,
  });
  const read = (await kv.call('read', 'data/k')).data?.data as Record<string, unknown>;
  assert.equal(JSON.stringify(read), '{"__proto__":{"polluted":true,"more":1},"a":1}');
  const subkeys = (await kv.call('read', 'subkeys/k')).data?.subkeys as Record<string, unknown>;
  assert.equal(JSON.stringify(subkeys), '{"__proto__":{"polluted":null,"more":null},"a":null}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('oversized paths are a 400 and oversized values a 413, before anything is written', async () => {
  const kv = await kv2();
  await assert.rejects(
    kv.call('write', `data/${'p'.repeat(5000)}`, { data: { data: { a: 1 } } }),
    (err: unknown) => isArcaError(err, 'invalid_request') && err.message.includes('too long'),
  );
  await assert.rejects(
    kv.call('write', 'data/big', { data: { data: { blob: 'x'.repeat(17 * 1024 * 1024) } } }),
    (err: unknown) => isArcaError(err, 'payload_too_large') && err.httpStatus === 413,
  );
  assert.deepEqual(kv.storage.keys(), []);
});
