import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatGoDuration, parseDurationSeconds } from '../../../src/lib/durations.js';
import { isArcaError } from '../../../src/lib/errors.js';

test('numbers and numeric strings are seconds', () => {
  assert.equal(parseDurationSeconds(90), 90);
  assert.equal(parseDurationSeconds('3600'), 3600);
  assert.equal(parseDurationSeconds(''), 0);
  assert.equal(parseDurationSeconds(1.9), 1);
});

test('Go duration strings with Vault units, including days', () => {
  assert.equal(parseDurationSeconds('90s'), 90);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('5d'), 432000);
  assert.equal(parseDurationSeconds('768h'), 2764800);
  assert.equal(parseDurationSeconds('1.5h'), 5400);
  assert.equal(parseDurationSeconds('1h0m0s'), 3600);
  assert.equal(parseDurationSeconds('1500ms'), 1);
});

test('malformed durations are a 400 naming the field', () => {
  for (const bad of ['1x', 'h', '1h30', 'abc', '--1s', {}, null, true, NaN]) {
    assert.throws(
      () => parseDurationSeconds(bad, 'ttl'),
      (err: unknown) =>
        isArcaError(err, 'invalid_field') && err.httpStatus === 400 && err.message.includes('ttl'),
    );
  }
  assert.throws(
    () => parseDurationSeconds('-5s'),
    (e: unknown) => isArcaError(e, 'invalid_field'),
  );
});

test('property: formatting then parsing is the identity on whole seconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 }), (seconds) => {
      assert.equal(parseDurationSeconds(formatGoDuration(seconds)), seconds);
    }),
  );
});

test('property: h/m/s components add up', () => {
  fc.assert(
    fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(100), (h, m, s, d) => {
      assert.equal(parseDurationSeconds(`${d}d${h}h${m}m${s}s`), d * 86400 + h * 3600 + m * 60 + s);
    }),
  );
});

test('formatGoDuration matches Go', () => {
  assert.equal(formatGoDuration(3600), '1h0m0s');
  assert.equal(formatGoDuration(90), '1m30s');
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(12319), '3h25m19s');
});
