import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyMergePatch } from '../../../../src/engines/kv/merge-patch.js';
import { KeyedMutex } from '../../../../src/lib/keyed-mutex.js';
import { formatRfc3339Nano } from '../../../../src/engines/kv/timestamps.js';

test('RFC 7386 appendix A examples', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) assert.deepEqual(applyMergePatch(target, patch), expected);
});

test('property: merge patch never mutates its inputs and patching with the result is idempotent', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (target, patch) => {
      const targetCopy = structuredClone(target);
      const patchCopy = structuredClone(patch);
      const once = applyMergePatch(target, patch);
      assert.deepEqual(target, targetCopy);
      assert.deepEqual(patch, patchCopy);
      assert.deepEqual(applyMergePatch(once, patch), once);
    }),
    { numRuns: 300 },
  );
});

test('the keyed mutex runs one task per key at a time, keys in parallel, and forgets idle keys', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const task = (name: string) => async () => {
    log.push(`${name}+`);
    await tick();
    log.push(`${name}-`);
    return name;
  };
  const results = await Promise.all([
    mutex.run('k', task('a')),
    mutex.run('k', task('b')),
    mutex.run('other', task('c')),
  ]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.ok(log.indexOf('a-') < log.indexOf('b+'), 'same key is serialised');
  assert.ok(log.indexOf('c+') < log.indexOf('a-'), 'other keys run in parallel');
  await assert.rejects(
    mutex.run('k', async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await mutex.run('k', async () => 'after a failure'), 'after a failure');
  assert.equal(mutex.activeKeys, 0);
});

test('timestamps print like Go RFC3339Nano', () => {
  assert.equal(formatRfc3339Nano(Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00Z');
  assert.equal(formatRfc3339Nano(Date.UTC(2026, 0, 1, 0, 0, 0, 500)), '2026-01-01T00:00:00.5Z');
  assert.equal(formatRfc3339Nano(Date.UTC(2026, 0, 1, 0, 0, 0, 123)), '2026-01-01T00:00:00.123Z');
});
