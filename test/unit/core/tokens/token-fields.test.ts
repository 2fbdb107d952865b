import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenFields } from '../../../../src/core/tokens/token-fields.js';
import { isArcaError } from '../../../../src/lib/errors.js';

const fieldsOf = (data: Record<string, unknown>, params: Record<string, string> = {}) =>
  new TokenFields({ data, params, fields: { get: () => undefined, has: () => false } });

test('weak coercion accepts what the vault CLI and typed clients send', () => {
  const f = fieldsOf({
    n: '5',
    n2: 7,
    b1: 'false',
    b2: 'T',
    b3: true,
    d1: '1h30m',
    d2: 90,
    d3: '3600',
    l1: 'a, b,,c',
    l2: ['x', 3],
    l3: '["p","q"]',
    m1: { k: 'v', n: 2 },
    m2: '{"a":"b"}',
    m3: 'k=v,x=y',
    m4: ['k=v=w'],
  });
  assert.equal(f.int('n'), 5);
  assert.equal(f.int('n2'), 7);
  assert.equal(f.int('missing', 9), 9);
  assert.equal(f.bool('b1', true), false);
  assert.equal(f.bool('b2', false), true);
  assert.equal(f.bool('b3', false), true);
  assert.equal(f.durationSeconds('d1'), 5400);
  assert.equal(f.durationSeconds('d2'), 90);
  assert.equal(f.durationSeconds('d3'), 3600);
  assert.deepEqual(f.stringList('l1'), ['a', 'b', 'c']);
  assert.deepEqual(f.stringList('l2'), ['x', '3']);
  assert.deepEqual(f.stringList('l3'), ['p', 'q']);
  assert.deepEqual(f.stringMap('m1'), { k: 'v', n: '2' });
  assert.deepEqual(f.stringMap('m2'), { a: 'b' });
  assert.deepEqual(f.stringMap('m3'), { k: 'v', x: 'y' });
  assert.deepEqual(f.stringMap('m4'), { k: 'v=w' });
});

test('path params win over body fields; dispatch-coerced values are used first', () => {
  const f = new TokenFields({
    data: { role_name: 'body', ttl: 'garbage' },
    params: { role_name: 'path' },
    fields: { get: <T>(n: string) => (n === 'ttl' ? (60 as T) : undefined), has: (n) => n === 'ttl' },
  });
  assert.equal(f.string('role_name'), 'path');
  assert.equal(f.durationSeconds('ttl'), 60);
});

test('values that cannot be coerced are 400s naming the field', () => {
  const f = fieldsOf({
    n: '5x',
    f: 1.5,
    b: 'yes',
    d: 'tomorrow',
    neg: '-5s',
    l: { a: 1 },
    m: 'novalue',
    o: {},
  });
  const cases: [string, () => unknown][] = [
    ['n', () => f.int('n')],
    ['f', () => f.int('f')],
    ['b', () => f.bool('b', false)],
    ['d', () => f.durationSeconds('d')],
    ['neg', () => f.durationSeconds('neg')],
    ['l', () => f.stringList('l')],
    ['m', () => f.stringMap('m')],
    ['o', () => f.string('o')],
  ];
  for (const [field, fn] of cases) {
    assert.throws(
      fn,
      (err: unknown) =>
        isArcaError(err, 'invalid_field') && err.httpStatus === 400 && err.message.includes(`"${field}"`),
      field,
    );
  }
});
