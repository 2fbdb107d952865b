/**
 * The clock-offset bound ε (config `max_clock_offset`, CockroachDB's `--max-offset`) and the two
 * rules that use it for anything with an absolute expiry stamped by the active node (leases,
 * tokens): a node SERVING a request treats `now > expiry − ε` as expired (conservative on use), and
 * the active node REVOKES only when `now > expiry + ε` (lenient on revocation). With node clocks
 * within ε of each other, no node uses a secret after any other node considers it expired, and no
 * node revokes a secret another still considers valid. Shared with the clock-offset guard.
 */

/** Default ε: 500 ms, as CockroachDB's `--max-offset`. */
export const defaultMaxClockOffsetMs = 500;

/** Use-time check: is a secret expiring at `expireWallMs` unusable at `nowWallMs`? (0 = never expires) */
export function isExpiredForUse(expireWallMs: number, nowWallMs: number, maxClockOffsetMs: number): boolean {
  return expireWallMs !== 0 && nowWallMs > expireWallMs - maxClockOffsetMs;
}

/** Revocation check: may the active node revoke a secret expiring at `expireWallMs` at `nowWallMs`? */
export function isDueForRevocation(
  expireWallMs: number,
  nowWallMs: number,
  maxClockOffsetMs: number,
): boolean {
  return expireWallMs !== 0 && nowWallMs > expireWallMs + maxClockOffsetMs;
}

/** The earliest wall time at which `isDueForRevocation` holds (for expiry indexes keyed by due time). */
export function revocationDueWallMs(expireWallMs: number, maxClockOffsetMs: number): number {
  return expireWallMs + maxClockOffsetMs + 1;
}
