/**
 * The expiration manager's contract with the code of each kind it tracks (the lease manager, the
 * token store): the tracker they feed on register/renew/revoke, the context a due item's handler
 * gets, and the handler itself. A separate module so the token store depends on the contract, not
 * on the manager (expiration.ts).
 */

/** What a handler is told when one of its items comes due. */
export interface ExpireContext {
  /** The tick's wall-clock reading. */
  readonly nowWallMs: number;
  /** The revocation rule: true iff `now > expireWallMs + ε` (0 = never expires: false). */
  isDue(expireWallMs: number): boolean;
  /** Whether revocation may still run (active, past the grace, not stopped): check right before revoking. */
  mayRevoke(): boolean;
}

/** How one kind of item is restored and revoked. */
export interface ExpiryHandler {
  /** Calls `track` for every stored item with an expiry (`dueNow` for items to clean up at once). */
  restore(sink: ExpiryTracker): Promise<void>;
  /**
   * Revokes the item (removed from the index before the call) if, re-read under its own lock, it
   * is still due; otherwise re-tracks it (renewed meanwhile). Returns how many items it revoked
   * (a token's tree counts each token). Throwing means storage trouble: retried later.
   */
  expire(id: string, ctx: ExpireContext): Promise<number>;
}

/** The manager as one kind's code sees it (the token store, the lease manager). */
export interface ExpiryTracker {
  /** Tracks `id` to be revoked once `now > expireWallMs + ε`; 0 (never expires) untracks it. */
  track(id: string, expireWallMs: number): void;
  /** Schedules `id` at an absolute wall time (a retry after backoff). */
  schedule(id: string, dueWallMs: number): void;
  /** Makes `id` due at once (a token marked revoked whose cleanup must run or be retried). */
  dueNow(id: string): void;
  untrack(id: string): void;
  /** How many items of this kind are indexed. */
  count(): number;
}
