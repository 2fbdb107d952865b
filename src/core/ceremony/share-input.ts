/**
 * Share handling common to the rekey, rekey-verify and generate-root ceremonies: decoding the
 * submitted text (hex tried first, then base64, as `sys/unseal` does), Vault's length checks,
 * duplicate detection in constant time, and combining a quorum. Every buffer that held share
 * material is zeroized by whoever owns it; `combineQuorum` zeroizes the parts it is given.
 */
import { constantTimeEqual, zeroize } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { combineShares } from '../../storage/seal/shamir.js';
import { unsealKeyBytesMax, unsealKeyBytesMin } from '../../storage/seal/shamir-seal.js';
import { decodeShare } from '../lifecycle.js';

/**
 * The submitted `key` as bytes: 400 `'key' must be specified in request body as JSON` when
 * missing, `'key' must be a valid hex or base64 string` when undecodable, and Vault's
 * `key is shorter than minimum 16 bytes` / `key is longer than maximum 33 bytes`.
 */
export function shareFromText(keyText: string | undefined): Buffer {
  if (keyText === undefined || keyText === '') {
    throw new ArcaError('invalid_request', "'key' must be specified in request body as JSON");
  }
  const share = decodeShare(keyText);
  if (share.length < unsealKeyBytesMin || share.length > unsealKeyBytesMax) {
    const why =
      share.length < unsealKeyBytesMin
        ? `key is shorter than minimum ${unsealKeyBytesMin} bytes`
        : `key is longer than maximum ${unsealKeyBytesMax} bytes`;
    zeroize(share);
    throw new ArcaError('invalid_request', why);
  }
  return share;
}

/** True when `share` is already among `parts` (constant-time per comparison). */
export function alreadySubmitted(parts: readonly Uint8Array[], share: Uint8Array): boolean {
  let found = false;
  for (const part of parts) found = constantTimeEqual(part, share) || found;
  return found;
}

/**
 * Combines a quorum into the key it splits (1 share = the key itself), zeroizing `parts`.
 * Undefined for shares that cannot be combined (duplicate x-coordinates, unequal lengths);
 * note that a wrong set of shares combines into a wrong key, which the caller must detect.
 */
export async function combineQuorum(parts: Buffer[]): Promise<Uint8Array | undefined> {
  try {
    return await combineShares(parts);
  } catch {
    return undefined;
  } finally {
    zeroize(...parts);
  }
}
