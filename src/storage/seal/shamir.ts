/**
 * Shamir secret sharing over GF(2^8), wrapping the independently audited `shamir-secret-sharing`
 * package (same field and share layout as Vault: each share is the secret's length plus one
 * trailing x-coordinate byte, so a 32-byte KEK gives 33-byte shares).
 *
 * Combining fewer shares than the threshold (or shares from different splits) does NOT fail: it
 * returns a wrong secret of the right length. Callers must authenticate the result; the seal does
 * so by opening the GCM-wrapped root key with it (a wrong KEK fails GCM authentication).
 *
 * Note: the library's temporary polynomial coefficients live in its own buffers that we cannot
 * zeroize; the inputs and outputs we own are zeroized by the callers.
 */
import { combine, split } from 'shamir-secret-sharing';
import { assert } from '../../lib/assert.js';
import { zeroize } from '../../lib/bytes.js';
import { limits } from '../../lib/limits.js';

/**
 * Splits `secret` into `shares` shares of which any `threshold` recover it. `shares === 1`
 * (threshold 1) returns a copy of the secret unsplit, as Vault returns the KEK itself.
 * Parameters must already be validated (`validateSealParams`); violations are programmer errors.
 */
export async function splitSecret(
  secret: Uint8Array,
  shares: number,
  threshold: number,
): Promise<Uint8Array[]> {
  assert(secret.length > 0, 'cannot split an empty secret');
  assert(
    Number.isInteger(shares) && Number.isInteger(threshold) && threshold >= 1 && threshold <= shares,
    'invalid share parameters',
  );
  assert(shares <= limits.shamirSharesMax, 'too many shares');
  if (shares === 1) return [Uint8Array.from(secret)];
  assert(threshold >= 2, 'threshold must be at least 2 for multiple shares');
  // The library insists on a plain Uint8Array (a Buffer's constructor differs): pass a copy.
  const plain = Uint8Array.from(secret);
  try {
    return await split(plain, shares, threshold);
  } finally {
    zeroize(plain);
  }
}

/**
 * Recombines shares by Lagrange interpolation at x = 0. One share is taken as the unsplit
 * secret (the 1-of-1 case) and copied. Throws for duplicate x-coordinates or unequal lengths;
 * returns garbage (not an error) for too few or foreign shares — see the module comment.
 */
export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  assert(shares.length >= 1, 'no shares to combine');
  if (shares.length === 1) return Uint8Array.from(shares[0]);
  const plain = shares.map((share) => Uint8Array.from(share));
  try {
    return await combine(plain);
  } finally {
    zeroize(...plain);
  }
}
