import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkJsonLimits, defaultJsonLimits, type JsonLimits } from '../../../src/lib/json-limits.js';
import { isArcaError } from '../../../src/lib/errors.js';

const check = (text: string, overrides: Partial<JsonLimits> = {}) =>
  checkJsonLimits(Buffer.from(text), { ...defaultJsonLimits, ...overrides });

const refused = (text: string, overrides: Partial<JsonLimits>, message: RegExp) =>
  assert.throws(
    () => check(text, overrides),
    (err: unknown) => isArcaError(err, 'malformed_json') && message.test(err.message),
  );

test("Vault's defaults", () => {
  assert.deepEqual(defaultJsonLimits, {
    depthMax: 300,
    stringValueBytesMax: 1024 * 1024,
    objectEntriesMax: 10_000,
    arrayElementsMax: 10_000,
    memoryBytesMax: 32 * 1024 * 1024 + 512 * 1024,
  });
});

test('each limit is inclusive and its error names it in Vault words', () => {
  check('{"a":{"b":[1]}}', { depthMax: 3 });
  refused(
    '{"a":{"b":[[1]]}}',
    { depthMax: 3 },
    /^failed to parse JSON input: JSON input exceeds allowed nesting depth$/,
  );
  check('{"abc":"def"}', { stringValueBytesMax: 3 });
  refused('{"abc":"defg"}', { stringValueBytesMax: 3 }, /string value exceeds allowed length/);
  refused('{"abcd":"d"}', { stringValueBytesMax: 3 }, /string value exceeds allowed length/);
  refused('[12345]', { stringValueBytesMax: 3 }, /number value exceeds allowed length/);
  check('{"a":1,"b":2}', { objectEntriesMax: 2 });
  refused('{"a":1,"b":2,"c":3}', { objectEntriesMax: 2 }, /object exceeds allowed entry count/);
  check('[1,2]', { arrayElementsMax: 2 });
  refused('[[1,2,3]]', { arrayElementsMax: 2 }, /array exceeds allowed element count/);
  refused('["aaaaaaaa"]', { memoryBytesMax: 60 }, /exceeded maximum estimated memory limits/);
});

test('brackets, commas and escaped quotes inside strings are not structure', () => {
  check('{"k":"[[[[,,,,{{{{\\"]]]],,"}', { depthMax: 1, objectEntriesMax: 1 });
  check('["\\\\",1]', { arrayElementsMax: 2 });
  refused('["\\\\",1,2]', { arrayElementsMax: 2 }, /element count/);
  // Raw bytes between the quotes count, escapes as written (Vault's rule).
  check('["\\u0041"]', { stringValueBytesMax: 6 });
  refused('["\\u0041"]', { stringValueBytesMax: 5 }, /allowed length/);
});

test('malformed input never throws anything but the limits (JSON.parse judges syntax)', () => {
  for (const text of ['', '{', '}}}}', '["unterminated', '{"a":}', '\\', 'nul', ']]][[[']) check(text);
});

test('the scan is iterative: a 1,000,000-level body is refused without a stack overflow', () => {
  refused('['.repeat(1_000_000), {}, /nesting depth/);
});

/** Reference measures computed from the parsed value, recursively (fine for small generated values). */
function measure(
  value: unknown,
  depth = 0,
): { depth: number; string: number; entries: number; elements: number } {
  const out = { depth, string: 0, entries: 0, elements: 0 };
  const merge = (m: typeof out) => {
    out.depth = Math.max(out.depth, m.depth);
    out.string = Math.max(out.string, m.string);
    out.entries = Math.max(out.entries, m.entries);
    out.elements = Math.max(out.elements, m.elements);
  };
  const stringBytes = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;
  if (typeof value === 'string') out.string = stringBytes(value);
  else if (typeof value === 'number') out.string = JSON.stringify(value).length;
  else if (Array.isArray(value)) {
    out.depth = depth + 1;
    out.elements = value.length;
    for (const item of value) merge(measure(item, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    out.depth = depth + 1;
    const entries = Object.entries(value);
    out.entries = entries.length;
    for (const [key, item] of entries) {
      out.string = Math.max(out.string, stringBytes(key));
      merge(measure(item, depth + 1));
    }
  }
  return out;
}

test('property: the scan refuses exactly the values a recursive measure says exceed a limit', () => {
  fc.assert(
    fc.property(
      fc.jsonValue({ maxDepth: 6 }),
      fc.record({
        depthMax: fc.integer({ min: 1, max: 7 }),
        stringValueBytesMax: fc.integer({ min: 1, max: 30 }),
        objectEntriesMax: fc.integer({ min: 1, max: 6 }),
        arrayElementsMax: fc.integer({ min: 1, max: 6 }),
      }),
      (value, limits) => {
        const text = JSON.stringify(value);
        const m = measure(value);
        const expectRefused =
          m.depth > limits.depthMax ||
          m.string > limits.stringValueBytesMax ||
          m.entries > limits.objectEntriesMax ||
          m.elements > limits.arrayElementsMax;
        let refusedByScan = false;
        try {
          checkJsonLimits(Buffer.from(text), { ...limits, memoryBytesMax: Number.MAX_SAFE_INTEGER });
        } catch (err) {
          assert.ok(isArcaError(err, 'malformed_json'), String(err));
          refusedByScan = true;
        }
        assert.equal(refusedByScan, expectRefused, `${text} ${JSON.stringify(m)}`);
      },
    ),
    { numRuns: 500 },
  );
});
