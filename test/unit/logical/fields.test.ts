import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coerceField, readFields } from '../../../src/logical/fields.js';
import type { FieldSpec } from '../../../src/logical/backend.js';
import { isArcaError } from '../../../src/lib/errors.js';

const specs: Record<string, FieldSpec> = {
  count: { type: 'int', default: 7 },
  enabled: { type: 'bool' },
  ttl: { type: 'duration' },
  policies: { type: 'string_list' },
  options: { type: 'map' },
  labels: { type: 'key_value_map' },
  name: { type: 'string' },
  anything: { type: 'raw' },
};

function rejectsNaming(field: string) {
  return (err: unknown) =>
    isArcaError(err, 'invalid_field') && err.httpStatus === 400 && err.message.includes(`"${field}"`);
}

test('ints are accepted from numbers and from the strings the CLI sends', () => {
  assert.equal(coerceField('n', 'int', 5), 5);
  assert.equal(coerceField('n', 'int', '5'), 5);
  assert.equal(coerceField('n', 'int', ' -12 '), -12);
  assert.equal(coerceField('n', 'int', ''), 0);
  assert.equal(coerceField('n', 'int', 3.9), 3);
  assert.equal(coerceField('n', 'int', true), 1);
});

test('bools are accepted as true/false/1/0 in any JSON type', () => {
  for (const yes of [true, 'true', 'True', 'TRUE', 't', '1', 1])
    assert.equal(coerceField('b', 'bool', yes), true);
  for (const no of [false, 'false', 'False', 'f', '0', 0, ''])
    assert.equal(coerceField('b', 'bool', no), false);
});

test('durations accept seconds and Go duration strings', () => {
  assert.equal(coerceField('ttl', 'duration', '1h'), 3600);
  assert.equal(coerceField('ttl', 'duration', '3600'), 3600);
  assert.equal(coerceField('ttl', 'duration', 90), 90);
  assert.equal(coerceField('ttl', 'duration', '1h0m0s'), 3600);
});

test('string lists accept comma-separated text, JSON arrays and arrays', () => {
  assert.deepEqual(coerceField('p', 'string_list', 'a,b'), ['a', 'b']);
  assert.deepEqual(coerceField('p', 'string_list', ' a , b ,'), ['a', 'b']);
  assert.deepEqual(coerceField('p', 'string_list', ['a', 'b']), ['a', 'b']);
  assert.deepEqual(coerceField('p', 'string_list', '["x","y"]'), ['x', 'y']);
  assert.deepEqual(coerceField('p', 'string_list', ''), []);
  assert.deepEqual(coerceField('p', 'string_list', [1, true]), ['1', 'true']);
});

test('maps accept objects and JSON text; key-value maps also k=v pairs', () => {
  assert.deepEqual(coerceField('m', 'map', { a: 1 }), { a: 1 });
  assert.deepEqual(coerceField('m', 'map', '{"a":{"b":2}}'), { a: { b: 2 } });
  assert.deepEqual(coerceField('m', 'key_value_map', { a: 1, b: 'x' }), { a: '1', b: 'x' });
  assert.deepEqual(coerceField('m', 'key_value_map', '{"a":"b"}'), { a: 'b' });
  assert.deepEqual(coerceField('m', 'key_value_map', ['a=b', 'c=d=e']), { a: 'b', c: 'd=e' });
  assert.deepEqual(coerceField('m', 'key_value_map', 'a=b,c=d'), { a: 'b', c: 'd' });
});

test('strings accept scalars but not objects', () => {
  assert.equal(coerceField('s', 'string', 'x'), 'x');
  assert.equal(coerceField('s', 'string', 5), '5');
  assert.equal(coerceField('s', 'string', false), 'false');
  assert.throws(() => coerceField('s', 'string', { a: 1 }), rejectsNaming('s'));
});

test('values that cannot be coerced are a 400 naming the field', () => {
  assert.throws(
    () => readFields(specs, { count: 'five' }),
    (err: unknown) =>
      isArcaError(err, 'invalid_field') &&
      err.messages[0] ===
        'Field validation failed: error converting input "five" for field "count": expected an integer',
  );
  assert.throws(() => readFields(specs, { count: 'five' }), rejectsNaming('count'));
  assert.throws(() => readFields(specs, { count: '1e400' }), rejectsNaming('count'));
  assert.throws(() => readFields(specs, { count: 1e300 }), rejectsNaming('count'));
  assert.throws(() => readFields(specs, { count: Number.NaN }), rejectsNaming('count'));
  assert.throws(() => readFields(specs, { enabled: 'yes' }), rejectsNaming('enabled'));
  assert.throws(() => readFields(specs, { ttl: '1x' }), rejectsNaming('ttl'));
  assert.throws(() => readFields(specs, { policies: { a: 1 } }), rejectsNaming('policies'));
  assert.throws(() => readFields(specs, { policies: [{ a: 1 }] }), rejectsNaming('policies'));
  assert.throws(() => readFields(specs, { options: 'not json' }), rejectsNaming('options'));
  assert.throws(() => readFields(specs, { options: [1] }), rejectsNaming('options'));
  assert.throws(() => readFields(specs, { labels: { a: { nested: 1 } } }), rejectsNaming('labels'));
  assert.throws(() => readFields(specs, { labels: ['novalue'] }), rejectsNaming('labels'));
});

test('the reader gives coerced values, declared defaults, and whether a field was sent', () => {
  const { reader, unknown } = readFields(specs, { count: '5', zeta: 1, alpha: 'x', anything: [1, { a: 2 }] });
  assert.equal(reader.get('count'), 5);
  assert.equal(reader.has('count'), true);
  assert.deepEqual(reader.get('anything'), [1, { a: 2 }]);
  assert.deepEqual(unknown, ['alpha', 'zeta']);
  const empty = readFields(specs, {});
  assert.equal(empty.reader.get('count'), 7);
  assert.equal(empty.reader.has('count'), false);
  assert.equal(empty.reader.get('enabled'), undefined);
  assert.equal(empty.reader.get('undeclared'), undefined);
});

test('no specs means every key is unknown; inherited names are not fields', () => {
  assert.deepEqual(readFields(undefined, { b: 1, a: 2 }).unknown, ['a', 'b']);
  const { reader, unknown } = readFields(specs, JSON.parse('{"toString":"x","__proto__":{"count":1}}'));
  assert.deepEqual(unknown, ['__proto__', 'toString']);
  assert.equal(reader.get('toString'), undefined);
});
