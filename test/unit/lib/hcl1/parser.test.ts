import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hclNestingDepthMax, parseHcl1 } from '../../../../src/lib/hcl1/parser.js';
import { parsePolicy } from '../../../../src/core/policy/policy.js';
import { isArcaError } from '../../../../src/lib/errors.js';

function parsed(text: string) {
  const result = parseHcl1(text);
  assert.ok(result.ok, result.ok ? '' : `${result.line}:${result.column}: ${result.message}`);
  return result;
}

function literalOf(text: string): unknown {
  const value = parsed(`v = ${text}`).items[0].value;
  assert.equal(value.kind, 'literal');
  return value.kind === 'literal' ? value.value : undefined;
}

test('HCL 1 items keep their keys and positions; a block brace may follow on a later line', () => {
  const { items, json } = parsed('# c\npath "a/*"\n\n  {\n  x = 1\n}\nname = "n"');
  assert.equal(json, false);
  assert.deepEqual(
    items.map((item) => [item.keys.map((k) => k.name), item.assign, item.line, item.column]),
    [
      [['path', 'a/*'], false, 2, 1],
      [['name'], true, 7, 1],
    ],
  );
  const body = items[0]?.value;
  assert.equal(body?.kind, 'object');
  assert.equal(body?.kind === 'object' ? body.items[0]?.line : 0, 5);
});

test('HCL 1 literals: numbers (decimal, negative, octal, hex, float), bools, escapes', () => {
  assert.equal(literalOf('3600'), 3600);
  assert.equal(literalOf('-5'), -5);
  assert.equal(literalOf('0755'), 493);
  assert.equal(literalOf('0x1F'), 31);
  assert.equal(literalOf('1.5e3'), 1500);
  assert.equal(literalOf('true'), true);
  assert.equal(literalOf('"a\\tb\\"c\\\\\\u00e9\\101"'), 'a\tb"c\\éA');
  assert.equal(literalOf('"${lookup("x")}"'), '${lookup("x")}');
});

test('heredocs keep their lines; <<- removes the closing marker indentation', () => {
  assert.equal(literalOf('<<EOT\nline one\n  two\nEOT\n'), 'line one\n  two\n');
  assert.equal(literalOf('<<-EOT\n    a\n      b\n    EOT\n'), 'a\n  b\n');
});

test('syntax errors carry the line and column of the offending token', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['a = \n', 2, 1, /Unknown token: EOF/],
    ['a "b" = 1', 1, 7, /nested object expected/],
    ['a = [1 2]', 1, 8, /expected comma or list end/],
    ['a = "x\ny"', 1, 5, /literal not terminated/],
    ['a = "\\q"', 1, 6, /illegal char escape/],
    ['a = 08', 1, 5, /illegal number/],
    ['x {\n y = 1\n', 3, 1, /closing RBRACE/],
    ['a', 1, 2, /expected start of object/],
    ['{"a": 1,}', 1, 9, /expected: STRING got: RBRACE/],
    ['{"a": 0x1}', 1, 7, /illegal number/],
  ];
  for (const [text, line, column, message] of cases) {
    const result = parseHcl1(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) {
      assert.deepEqual([result.line, result.column], [line, column], text);
      assert.match(result.message, message);
    }
  }
});

test('nesting deeper than the limit is an error, not a stack overflow', () => {
  for (const text of [
    `a = ${'['.repeat(100_000)}`,
    `${'a {'.repeat(hclNestingDepthMax + 1)}`,
    '{"a":'.repeat(50_000),
  ]) {
    const result = parseHcl1(text);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /nesting deeper than 64 levels|expected/);
  }
  assert.equal(parseHcl1(`a = ${'['.repeat(hclNestingDepthMax)}${']'.repeat(hclNestingDepthMax)}`).ok, true);
});

const fragments = [
  'path',
  ' ',
  '\n',
  '\r\n',
  '"a/*"',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  '=',
  ',',
  ':',
  '#',
  '//',
  '/*',
  '*/',
  '<<EOF\n',
  '<<-EOF\n',
  'EOF',
  '${',
  '1',
  '-',
  '0x',
  '08',
  '1.5e',
  'true',
  'null',
  'capabilities',
  '"read"',
  'allowed_parameters',
  'min_wrapping_ttl',
  '"1h"',
  'name',
  'é',
  '\u0000',
  '\uD800',
];

test('fuzz: any text parses or fails with a positioned error; a policy is a rule set or a typed 400', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => parts.join('')),
      ),
      async (text) => {
        const result = parseHcl1(text);
        if (!result.ok) {
          assert.ok(Number.isInteger(result.line) && result.line >= 1);
          assert.ok(Number.isInteger(result.column) && result.column >= 1);
        }
        try {
          const policy = await parsePolicy('fuzz', text);
          assert.ok(Array.isArray(policy.rules));
        } catch (err) {
          assert.ok(isArcaError(err, 'policy_syntax') && err.httpStatus === 400, String(err));
        }
      },
    ),
    { numRuns: 3000 },
  );
});
