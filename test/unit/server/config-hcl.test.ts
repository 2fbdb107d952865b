/**
 * Config files through Arca's HCL 1 parser (src/server/config-hcl.ts). The golden file holds every
 * config the test suite parses, the repository's deploy/ configs and Vault-style configs (Vault's
 * documented production options, HCL 1 corner cases, a JSON document), each with the JSON that
 * `@cdktf/hcl2json` — the parser used before — gave for it. Where hcl2json (an HCL 2 parser)
 * rejected what Vault's HCL 1 reads (quoted keys, JSON documents), the entry records that and the
 * HCL 1 reading. The mapping is stricter than a map merge: nothing is silently dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseHcl } from '../../../src/server/config-hcl.js';
import { parseServerConfig } from '../../../src/server/config.js';

interface GoldenCase {
  name: string;
  hcl: string;
  /** hcl2json's output (or, with `hcl2jsonRejects`, the HCL 1 reading). */
  json?: unknown;
  /** Both parsers reject it. */
  error?: true;
  /** hcl2json's message for a document Vault's HCL 1 accepts. */
  hcl2jsonRejects?: string;
}

const golden = JSON.parse(
  readFileSync(new URL('../../../../test/unit/server/config-hcl-golden.json', import.meta.url), 'utf8'),
) as GoldenCase[];

test('every golden config parses to the JSON hcl2json gave (or is rejected by both)', () => {
  assert.ok(golden.length >= 90, 'the corpus is complete');
  for (const entry of golden) {
    if (entry.error) assert.throws(() => parseHcl(entry.hcl), /line \d+, column \d+/, entry.name);
    else assert.deepEqual(parseHcl(entry.hcl), entry.json, entry.name);
  }
  const hcl1Only = golden.filter((entry) => entry.hcl2jsonRejects !== undefined);
  assert.deepEqual(
    hcl1Only.map((entry) => entry.hcl2jsonRejects?.replace(/;.*/, '')),
    ['line 41,5-6: Invalid argument name', 'line 1,1-2: Argument or block definition required'],
  );
});

test('the repository example configs give working server configs', async () => {
  for (const node of ['node1', 'node2', 'node3']) {
    const text = readFileSync(new URL(`../../../../deploy/cluster/${node}.hcl`, import.meta.url), 'utf8');
    const config = await parseServerConfig(text, `${node}.hcl`);
    assert.equal(config.storage.type, 'raft');
    assert.equal(config.listeners[0].address, '0.0.0.0:8200');
    assert.deepEqual(config.warnings, []);
  }
});

test('blocks: unlabelled → list of bodies, labelled → nested by label, in file order', () => {
  assert.deepEqual(
    parseHcl(`
      telemetry { a = 1 }
      listener "tcp" { address = "x" }
      listener tcp { address = "y" }
      seal "transit" "k" { n = 1 }
    `),
    {
      telemetry: [{ a: 1 }],
      listener: { tcp: [{ address: 'x' }, { address: 'y' }] },
      seal: { transit: { k: [{ n: 1 }] } },
    },
  );
});

test('HCL 1 values: octal and hex numbers, quoted keys, commas between items, heredocs', () => {
  assert.deepEqual(parseHcl('mode = 0755, hex = 0x1f\n"quoted key" = "v"\nh = <<EOT\nline\nEOT\n'), {
    mode: 0o755,
    hex: 31,
    'quoted key': 'v',
    h: 'line\n',
  });
});

test('a key set twice, a setting that is also a block, and mixed label counts are errors with a position', () => {
  for (const [text, pattern] of [
    ['a = 1\na = 2\n', /line 2, column 1: "a" is set more than once/],
    ['a = 1\na { b = 1 }\n', /line 2, column 1: "a" is both a setting and a block/],
    ['a { b = 1 }\na = 1\n', /line 2, column 1: "a" is set more than once/],
    ['s "x" {}\ns {}\n', /line 2, column 1: "s" blocks have different numbers of labels/],
    ['s {}\ns "x" {}\n', /line 2, column 3: "s" blocks have different numbers of labels/],
    ['s "x" "y" {}\ns "x" {}\n', /line 2, column 1: "s" blocks have different numbers of labels/],
    ['s "x" {}\ns "x" "y" {}\n', /line 2, column 7: "s" blocks have different numbers of labels/],
    ['storage "leveldb" {', /line 1, column 20: object expected closing RBRACE got: EOF/],
    ['a = 1 + 2\n', /line 1, column 7/],
  ] as const) {
    assert.throws(() => parseHcl(text), pattern, text);
  }
});

test('keys such as __proto__ are plain data, never a prototype', () => {
  const parsed = parseHcl('__proto__ = { polluted = true }\nb "__proto__" { x = 1 }\n');
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.keys(parsed), ['__proto__', 'b']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed.b, '__proto__')?.value, [{ x: 1 }]);
});

test('a config file HCL 1 cannot read is an invalid_field error naming the file and the line', async () => {
  await assert.rejects(
    parseServerConfig('storage "leveldb" {\n  path = \n}\n', 'arca.hcl'),
    /config file arca\.hcl: cannot parse: line 3, column 1/,
  );
});
