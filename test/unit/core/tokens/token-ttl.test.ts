import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calculateTtl } from '../../../../src/core/tokens/token-ttl.js';
import { isArcaError } from '../../../../src/lib/errors.js';

const ttls = { defaultLeaseTtlSeconds: 3600, maxLeaseTtlSeconds: 7200 };
const base = {
  ttls,
  incrementSeconds: 0,
  tokenTtlSeconds: 0,
  periodSeconds: 0,
  explicitMaxTtlSeconds: 0,
  startTimeMs: 0,
  nowMs: 0,
};

test('the default applies when nothing is asked; a request is capped by the max with a warning', () => {
  assert.deepEqual(calculateTtl(base), { ttlSeconds: 3600, warnings: [] });
  assert.deepEqual(calculateTtl({ ...base, tokenTtlSeconds: 9000 }), {
    ttlSeconds: 7200,
    warnings: [
      'TTL of "2h30m0s" exceeded the effective max_ttl of "2h0m0s"; TTL value is capped accordingly',
    ],
  });
});

test('renewal time counts against max from issue time; past it renewal is a 400', () => {
  const later = { ...base, tokenTtlSeconds: 600, startTimeMs: 0, nowMs: 7000_000 };
  assert.equal(calculateTtl(later).ttlSeconds, 200);
  assert.throws(
    () => calculateTtl({ ...later, nowMs: 7200_000 }),
    (e: unknown) => isArcaError(e, 'invalid_request') && /past the max TTL/.test(e.message),
  );
});

test('periodic: period capped by max, then bounded only by explicit max from issue', () => {
  assert.equal(calculateTtl({ ...base, periodSeconds: 600, nowMs: 100_000_000 }).ttlSeconds, 600);
  assert.equal(
    calculateTtl({ ...base, periodSeconds: 600, explicitMaxTtlSeconds: 1000, nowMs: 700_000 }).ttlSeconds,
    300,
  );
  const capped = calculateTtl({ ...base, periodSeconds: 9000 });
  assert.equal(capped.ttlSeconds, 7200);
  assert.match(capped.warnings[0], /^period of "2h30m0s" exceeded the effective max_ttl of "2h0m0s"/);
});

test('property: a granted TTL never reaches past issue + effective max (non-periodic)', () => {
  fc.assert(
    fc.property(
      fc.nat(10_000),
      fc.nat(10_000),
      fc.nat(10_000),
      fc.nat(7_000),
      (increment, tokenTtl, explicitMax, elapsed) => {
        const input = {
          ...base,
          incrementSeconds: increment,
          tokenTtlSeconds: tokenTtl,
          explicitMaxTtlSeconds: explicitMax,
          nowMs: elapsed * 1000,
        };
        const max = explicitMax > 0 ? Math.min(explicitMax, 7200) : 7200;
        if (elapsed >= max) return;
        const { ttlSeconds } = calculateTtl(input);
        assert.ok(ttlSeconds > 0 && elapsed + ttlSeconds <= max);
      },
    ),
  );
});
