import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTokens } from '../../../chaos/checkers/tokens.js';
import { HistoryBuilder } from './history-builder.js';

const bounds = { earlyMs: 500, lateMs: 1000 };
const rules = (b: HistoryBuilder): string[] =>
  checkTokens(b.history, bounds)
    .violations.map((v) => v.rule)
    .sort();
/** A token 't' created at 0–10 ms with a 10 s TTL. */
function created(): HistoryBuilder {
  const b = new HistoryBuilder();
  b.op({
    f: 'token-create',
    key: 't',
    ttlSeconds: 10,
    invokeMs: 0,
    completeMs: 10,
    result: { ttlSeconds: 10 },
  });
  return b;
}

test('a well-behaved token (valid before expiry, invalid after, revoke honoured) has no violation', () => {
  const b = created();
  b.op({ f: 'token-use', key: 't', invokeMs: 5_000, completeMs: 5_010 });
  b.op({ f: 'token-use', key: 't', invokeMs: 9_700, completeMs: 9_710, outcome: 'fail' }); // within B_early
  b.op({ f: 'token-lookup', key: 't', invokeMs: 11_500, completeMs: 11_510, outcome: 'fail', final: true });
  const r = checkTokens(b.history, bounds);
  assert.deepEqual(r.violations, []);
  assert.equal(r.tokens, 1);
  assert.equal(r.finalUnverified, 0);
});

test('L1: a token seen expired well before its TTL is an early expiry', () => {
  const b = created();
  b.op({ f: 'token-use', key: 't', invokeMs: 2_000, completeMs: 2_010, outcome: 'fail' });
  assert.deepEqual(rules(b), ['L1']);
});

test('L1 counts an acknowledged renew: expiring before the renewed TTL is early', () => {
  const b = created();
  b.op({
    f: 'token-renew',
    key: 't',
    ttlSeconds: 10,
    invokeMs: 8_000,
    completeMs: 8_010,
    result: { ttlSeconds: 10 },
  });
  b.op({ f: 'token-use', key: 't', invokeMs: 12_000, completeMs: 12_010, outcome: 'fail' });
  assert.deepEqual(rules(b), ['L1']);
});

test('L1 is not claimed when a revoke was in flight', () => {
  const b = created();
  b.op({ f: 'token-revoke', key: 't', invokeMs: 1_000, completeMs: null });
  b.op({ f: 'token-use', key: 't', invokeMs: 2_000, completeMs: 2_010, outcome: 'fail' });
  assert.deepEqual(rules(b), []);
});

test('L2: a token used after its revocation was acknowledged', () => {
  const b = created();
  b.op({ f: 'token-revoke', key: 't', invokeMs: 1_000, completeMs: 1_010 });
  b.op({ f: 'token-use', key: 't', node: 'node2', invokeMs: 1_020, completeMs: 1_030 });
  assert.deepEqual(rules(b), ['L2']);
});

test('L3: a token still valid long after its expiry', () => {
  const b = created();
  b.op({ f: 'token-use', key: 't', invokeMs: 11_500, completeMs: 11_510 });
  assert.deepEqual(rules(b), ['L3']);
});

test('L3 is unchecked after a renew with an unknown outcome', () => {
  const b = created();
  b.op({ f: 'token-renew', key: 't', ttlSeconds: 10, invokeMs: 9_000, completeMs: null });
  b.op({ f: 'token-use', key: 't', invokeMs: 15_000, completeMs: 15_010 });
  const r = checkTokens(b.history, bounds);
  assert.deepEqual(r.violations, []);
  assert.equal(r.lateUnchecked, 1);
});

test('L4: the final-phase lookup still finds a token past its expiry', () => {
  const b = created();
  b.op({ f: 'token-lookup', key: 't', final: true, invokeMs: 30_000, completeMs: 30_010 });
  assert.deepEqual(rules(b), ['L4']);
  const unverified = created();
  unverified.op({ f: 'token-use', key: 't', invokeMs: 30_000, completeMs: 30_010, outcome: 'fail' });
  assert.equal(checkTokens(unverified.history, bounds).finalUnverified, 1);
});

test('L5: a token valid again after it was observed invalid', () => {
  const b = created();
  b.op({ f: 'token-use', key: 't', invokeMs: 9_800, completeMs: 9_900, outcome: 'fail' });
  b.op({ f: 'token-use', key: 't', invokeMs: 9_950, completeMs: 9_960 });
  assert.deepEqual(rules(b), ['L5']);
});

test('L6: a later lookup reports an earlier expiry', () => {
  const b = created();
  b.op({ f: 'token-lookup', key: 't', invokeMs: 1_000, completeMs: 1_010, result: { expireWallMs: 50_000 } });
  b.op({ f: 'token-lookup', key: 't', invokeMs: 2_000, completeMs: 2_010, result: { expireWallMs: 48_000 } });
  b.op({ f: 'token-lookup', key: 't', invokeMs: 3_000, completeMs: 3_010, result: { expireWallMs: 49_800 } });
  assert.deepEqual(rules(b), ['L6']);
});

test('L1 judges by completion: a lookup sent before expiry but answered after it (node paused) is no violation', () => {
  // Gameday seed 11 (partition,clock,pause): a lookup invoked 3 s before the expiry on a node that
  // was SIGSTOPped for 4.8 s was answered "bad token" after the expiry.
  const b = created();
  b.op({ f: 'token-lookup', key: 't', invokeMs: 7_000, completeMs: 12_000, outcome: 'fail' });
  assert.deepEqual(rules(b), []);
  const early = created();
  early.op({ f: 'token-lookup', key: 't', invokeMs: 7_000, completeMs: 8_000, outcome: 'fail' });
  assert.deepEqual(rules(early), ['L1']);
});
