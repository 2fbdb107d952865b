/**
 * Leases obtained with a batch token (Vault's ExpirationManager.Register and Renew for
 * `TokenTypeBatch`). A batch token is never stored, so it cannot own leases the way a service
 * token does: a lease it obtains ends no later than the token (its expiry is capped at the token's,
 * at issue and at every renewal), and a non-orphan batch token's leases are indexed under its
 * PARENT, so revoking the parent revokes them; an orphan batch token's leases are indexed under no
 * token and end with the cap.
 */
import type { TokenEntry } from './tokens/token-entry.js';

/** Who owns a new lease: the accessor it is revoked with, and the latest expiry it may have. */
export interface LeaseOwner {
  /** '' = revoked with no token. */
  tokenAccessor: string;
  /** The batch token's expiry (absent: no cap beyond the TTL rules). */
  notAfterWallMs?: number;
}

/**
 * The owner of a lease issued to `token`: itself for a service token; for a batch token its parent
 * (looked up by id hash; '' when orphan or the parent is gone) and the token's expiry as the cap.
 */
export async function leaseOwnerOf(
  token: TokenEntry | undefined,
  accessorOf: (idHash: string) => Promise<string | undefined>,
): Promise<LeaseOwner> {
  if (token === undefined) return { tokenAccessor: '' };
  if (token.type !== 'batch') return { tokenAccessor: token.accessor };
  const parentAccessor = token.parentIdHash === '' ? '' : ((await accessorOf(token.parentIdHash)) ?? '');
  return {
    tokenAccessor: parentAccessor,
    ...(token.expireTimeMs === 0 ? {} : { notAfterWallMs: token.expireTimeMs }),
  };
}

/** `expireWallMs` capped at `notAfterWallMs` when there is one. */
export function cappedExpiry(expireWallMs: number, notAfterWallMs: number | undefined): number {
  return notAfterWallMs === undefined ? expireWallMs : Math.min(expireWallMs, notAfterWallMs);
}

/** The `lease_duration` to report for an expiry: seconds from now, rounded (Vault rounds to the second). */
export function ttlSecondsUntil(expireWallMs: number, nowWallMs: number): number {
  return Math.max(0, Math.round((expireWallMs - nowWallMs) / 1000));
}
