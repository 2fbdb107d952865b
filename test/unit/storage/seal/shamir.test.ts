import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { combineShares, splitSecret } from '../../../../src/storage/seal/shamir.js';

/** Picks a subset of `items` of exactly `size` elements, driven by fast-check's shuffled indices. */
const subsetArb = (n: number, size: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: size, maxLength: size });

const paramsArb = fc
  .record({
    secret: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    shares: fc.integer({ min: 2, max: 12 }),
    thresholdSeed: fc.nat(),
  })
  .map(({ secret, shares, thresholdSeed }) => ({
    secret,
    shares,
    threshold: 2 + (thresholdSeed % (shares - 1)),
  }));

test('any threshold-sized subset of shares recovers the secret', async () => {
  await fc.assert(
    fc.asyncProperty(
      paramsArb.chain((p) => subsetArb(p.shares, p.threshold).map((subset) => ({ ...p, subset }))),
      async ({ secret, shares, threshold, subset }) => {
        const all = await splitSecret(secret, shares, threshold);
        assert.equal(all.length, shares);
        for (const share of all) assert.equal(share.length, secret.length + 1);
        const recovered = await combineShares(subset.map((i) => all[i]));
        assert.deepEqual(Buffer.from(recovered), Buffer.from(secret));
      },
    ),
    { numRuns: 60 },
  );
});

test('more than threshold shares also recover the secret', async () => {
  await fc.assert(
    fc.asyncProperty(paramsArb, async ({ secret, shares, threshold }) => {
      const all = await splitSecret(secret, shares, threshold);
      assert.deepEqual(Buffer.from(await combineShares(all)), Buffer.from(secret));
    }),
    { numRuns: 30 },
  );
});

test('fewer than threshold shares combine into a different value, not an error (the seal authenticates it)', async () => {
  // With t-1 shares the interpolated value is uniformly distributed and independent of the secret,
  // so for a 32-byte secret an accidental match has probability 2^-256.
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc
        .integer({ min: 3, max: 8 })
        .chain((shares) =>
          fc
            .integer({ min: 3, max: shares })
            .chain((threshold) =>
              subsetArb(shares, threshold - 1).map((subset) => ({ shares, threshold, subset })),
            ),
        ),
      async (secret, { shares, threshold, subset }) => {
        const all = await splitSecret(secret, shares, threshold);
        const wrong = await combineShares(subset.map((i) => all[i]));
        assert.equal(wrong.length, secret.length);
        assert.notDeepEqual(Buffer.from(wrong), Buffer.from(secret));
      },
    ),
    { numRuns: 40 },
  );
});

test('1-of-1 returns the secret itself as the only share, copied', async () => {
  const secret = Uint8Array.from([1, 2, 3, 4]);
  const [only] = await splitSecret(secret, 1, 1);
  assert.deepEqual(only, secret);
  assert.notEqual(only.buffer, secret.buffer);
  assert.deepEqual(await combineShares([only]), secret);
});

test('duplicate x-coordinates are refused by combine', async () => {
  const all = await splitSecret(Uint8Array.from([9, 9, 9]), 3, 2);
  await assert.rejects(combineShares([all[0], Uint8Array.from(all[0])]));
});

test('Buffers are accepted as secrets and shares (regression: the library rejects non-plain Uint8Arrays)', async () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const all = (await splitSecret(secret, 3, 2)).map((share) => Buffer.from(share));
  assert.deepEqual(Buffer.from(await combineShares([all[2], all[0]])), secret);
});
