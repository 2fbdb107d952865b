import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isArcaError } from '../../../src/lib/errors.js';
import {
  anyObject,
  arrayOf,
  bool,
  decodeStoredJson,
  literal,
  nullable,
  num,
  object,
  optional,
  parseJson,
  recordOf,
  ShapeError,
  str,
} from '../../../src/lib/shape.js';
import { decodeToken, encodeToken, type StoredToken } from '../../../src/core/tokens/token-entry.js';
import { readJson } from '../../../src/core/storage-view.js';
import { MemoryStorageView } from '../../helpers/memory-storage-view.js';

interface Sample {
  name: string;
  kind: 'a' | 'b';
  sizes: number[];
  tags: Record<string, string>;
  flag?: boolean;
  note: string | null;
}

const sample = object<Sample>({
  name: str,
  kind: literal('a', 'b'),
  sizes: arrayOf(num),
  tags: recordOf(str),
  flag: optional(bool),
  note: nullable(str),
});

const bytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

test('shape: a well-formed value passes and comes back with exactly the declared fields', () => {
  const good = { name: 'n', kind: 'a', sizes: [1, 2], tags: { x: 'y' }, note: null };
  assert.deepEqual(parseJson(JSON.stringify({ ...good, extra: 1 }), sample), good);
  assert.deepEqual(parseJson(JSON.stringify({ ...good, flag: true }), sample), { ...good, flag: true });
  assert.deepEqual(anyObject({ a: [1] }, ''), { a: [1] });
});

test('shape: each mismatch names the field that is wrong', () => {
  const good = { name: 'n', kind: 'a', sizes: [1], tags: {}, note: 'x' };
  const cases: [unknown, string][] = [
    [{ ...good, name: 1 }, 'name'],
    [{ ...good, kind: 'c' }, 'kind'],
    [{ ...good, sizes: [1, '2'] }, 'sizes[1]'],
    [{ ...good, sizes: {} }, 'sizes'],
    [{ ...good, tags: { k: 1 } }, 'tags.k'],
    [{ ...good, flag: 'yes' }, 'flag'],
    [{ ...good, note: undefined }, 'note'],
    [[good], ''],
    [null, ''],
  ];
  for (const [value, path] of cases)
    assert.throws(
      () => sample(value, ''),
      (err: unknown) => err instanceof ShapeError && err.path === path,
      JSON.stringify(value),
    );
  assert.throws(() => parseJson('{nope', sample), ShapeError);
  assert.throws(() => num(Infinity, 'n'), ShapeError);
});

test('decodeStoredJson: bad JSON, bad UTF-8 or a wrong shape is a 500 integrity_failure naming the field', () => {
  const fails = (raw: Uint8Array, detail: RegExp): void =>
    assert.throws(
      () => decodeStoredJson(raw, sample, 'sample record'),
      (err: unknown) => isArcaError(err, 'integrity_failure') && detail.test(err.message),
    );
  fails(Buffer.from('{"name":'), /stored sample record is malformed/);
  fails(Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/);
  fails(bytes({ name: 'n', kind: 'a', sizes: 'x', tags: {}, note: null }), /sizes: expected an array/);
});

test('stored token entries are checked field by field (a wrong-typed field is corruption, not a token)', () => {
  const entry: StoredToken = {
    idHash: 'h',
    accessor: 'acc',
    parentIdHash: '',
    policies: ['default'],
    path: 'auth/token/create',
    displayName: 'token',
    meta: {},
    numUses: 0,
    orphan: true,
    renewable: true,
    type: 'service',
    creationTimeMs: 1,
    ttlSeconds: 60,
    expireTimeMs: 61_000,
    explicitMaxTtlSeconds: 0,
    periodSeconds: 0,
    entityId: '',
  };
  assert.deepEqual(decodeToken(encodeToken(entry)), entry);
  // Before the shape check only idHash and policies were looked at: these slipped through.
  for (const bad of [{ numUses: '5' }, { expireTimeMs: null }, { meta: { k: 1 } }, { type: 'batch' }])
    assert.throws(
      () => decodeToken(bytes({ ...entry, ...bad })),
      (err: unknown) => isArcaError(err, 'integrity_failure'),
      JSON.stringify(bad),
    );
});

test('readJson checks core records against their shape', async () => {
  const view = new MemoryStorageView();
  const info = object<{ name: string; id: string }>({ name: str, id: str });
  assert.equal(await readJson(view, 'k', info), undefined);
  await view.put('k', bytes({ name: 'c', id: 'i' }));
  assert.deepEqual(await readJson(view, 'k', info), { name: 'c', id: 'i' });
  await view.put('k', bytes({ name: 'c', id: 7 }));
  await assert.rejects(readJson(view, 'k', info), (err: unknown) => isArcaError(err, 'integrity_failure'));
});
