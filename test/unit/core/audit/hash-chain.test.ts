import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HashChainWriter,
  chainStateAfter,
  genesisMac,
  parseChainedLine,
  verifyChain,
} from '../../../../src/lib/hash-chain.js';

const key = Buffer.alloc(32, 7);

function chain(n: number, state?: { seq: number; mac: string }): string[] {
  const writer = new HashChainWriter(key, state);
  return Array.from({ length: n }, (_, i) =>
    writer.seal(JSON.stringify({ type: 'request', i, note: 'x"y' })),
  );
}

test('an untouched chain verifies, with a trailing newline', () => {
  const lines = chain(5);
  const result = verifyChain([...lines, ''], key);
  assert.deepEqual(result.ok && [result.entries, result.firstSeq, result.lastSeq], [5, 1, 5]);
});

test('a removed line is reported at the line after the gap', () => {
  const lines = chain(5);
  lines.splice(2, 1);
  const result = verifyChain(lines, key);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.line, 3);
  assert.match(!result.ok ? result.reason : '', /missing/);
});

test('an inserted line (forged without the key) fails its mac', () => {
  const lines = chain(4);
  const forger = new HashChainWriter(Buffer.alloc(32, 9));
  lines.splice(2, 0, forger.seal('{"type":"request","i":99}'));
  const result = verifyChain(lines, key);
  assert.equal(!result.ok && result.line, 3);
  assert.match(!result.ok ? result.reason : '', /mac/);
});

test('a duplicated (replayed) line is detected', () => {
  const lines = chain(4);
  lines.splice(2, 0, lines[1]);
  const result = verifyChain(lines, key);
  assert.equal(!result.ok && result.line, 3);
});

test('reordered lines are detected', () => {
  const lines = chain(4);
  [lines[1], lines[2]] = [lines[2], lines[1]];
  const result = verifyChain(lines, key);
  assert.equal(!result.ok && result.line, 2);
});

test('an edited value is detected', () => {
  const lines = chain(4);
  lines[3] = lines[3].replace('"i":3', '"i":4');
  const result = verifyChain(lines, key);
  assert.equal(!result.ok && result.line, 4);
});

test('a truncated last line is detected and named', () => {
  const lines = chain(3);
  lines[2] = lines[2].slice(0, 40);
  const result = verifyChain(lines, key);
  assert.equal(!result.ok && result.line, 3);
});

test('the chain continues across a rotated file', () => {
  const writer = new HashChainWriter(key);
  const first = [writer.seal('{"a":1}'), writer.seal('{"a":2}')];
  const second = [writer.seal('{"a":3}')];
  assert.equal(verifyChain([...first, ...second], key).ok, true);
  const alone = verifyChain(second, key);
  assert.equal(alone.ok && alone.continuesEarlierChain, true);
  // Dropping the first file's last line breaks the join.
  assert.equal(verifyChain([first[0], ...second], key).ok, false);
});

test('the wrong key verifies nothing', () => {
  assert.equal(verifyChain(chain(2), Buffer.alloc(32, 1)).ok, false);
});

test('chainStateAfter: continue its own tail, start a committed segment after a foreign one', () => {
  const own = chain(2);
  const tail = parseChainedLine(own[1])!;
  assert.deepEqual(chainStateAfter(key, tail), { seq: 2, mac: tail.link.mac });
  const other = Buffer.alloc(32, 8);
  assert.deepEqual(chainStateAfter(other, tail), { seq: 0, mac: tail.link.mac });
  assert.equal(chainStateAfter(other, undefined), undefined);
  const next = new HashChainWriter(other, chainStateAfter(other, tail)).seal('{"a":1}');
  assert.deepEqual(parseChainedLine(next)!.link.seq, 1);
  const result = verifyChain([...own, next], [key, other]);
  assert.equal(result.ok && result.segments.length, 2);
  assert.notEqual(tail.link.mac, genesisMac);
});
