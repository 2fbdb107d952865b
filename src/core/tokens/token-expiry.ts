/**
 * The token store's side of the one expiration manager (core/expiration.ts), as Vault's
 * revokeEntry for an auth lease: restoring every stored token's expiry into the manager's index
 * when the node becomes active, and the revoke handler the manager's tick calls for a due token —
 * the token's tree is revoked through the store, and only if its entry, re-read under the token's
 * lock, is still due (a renewal committed while the tick waited for the lock keeps the token).
 * Tokens left marked revoked by a crash mid-revocation are due at once.
 */
import { isDueForRevocation } from '../../lib/clock-offset.js';
import { forEachConcurrently } from '../../lib/concurrently.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { ExpireContext, ExpiryHandler, ExpiryTracker } from '../expiration-port.js';
import { type StoredToken, tokenKeys } from './token-entry.js';

/** What the handler needs from the store. */
export interface TokenExpiryDeps {
  /** Resolves once the store is initialized (salt loaded). */
  ready: () => Promise<void>;
  storage: StorageView;
  readStored: (idHash: string) => Promise<StoredToken | undefined>;
  /** The store's tree revocation; the root is revoked only if `rootStillDue` holds under its lock. */
  revokeTree: (idHash: string, rootStillDue: (entry: StoredToken) => boolean) => Promise<number>;
  expiry: ExpiryTracker;
}

/** Token entries read in parallel on restore (as the lease restore). */
const restoreWorkers = 64;

/** The handler the store gives the expiration manager for its `token` kind. */
export function tokenExpiryHandler(deps: TokenExpiryDeps): ExpiryHandler {
  return {
    restore: async (sink) => {
      await deps.ready();
      await restoreTokenExpiries(deps, sink);
    },
    expire: async (idHash, ctx) => {
      await deps.ready();
      return expireToken(deps, idHash, ctx);
    },
  };
}

/** Every stored token id hash (entries directly under `id/`). */
async function storedIdHashes(storage: StorageView): Promise<string[]> {
  return (await storage.list(tokenKeys.entryPrefix)).filter((name) => !name.endsWith('/'));
}

/** Feeds `sink` every stored token with an expiry, and every token marked revoked (due now). */
export async function restoreTokenExpiries(deps: TokenExpiryDeps, sink: ExpiryTracker): Promise<void> {
  await forEachConcurrently(await storedIdHashes(deps.storage), restoreWorkers, async (idHash) => {
    const entry = await deps.readStored(idHash);
    if (entry === undefined) return;
    if (entry.revoked) sink.dueNow(idHash);
    else if (entry.expireTimeMs !== 0) sink.track(idHash, entry.expireTimeMs);
  });
}

/** The manager's handler for a due token: returns how many tokens (the tree) were deleted. */
export async function expireToken(
  deps: TokenExpiryDeps,
  idHash: string,
  ctx: ExpireContext,
): Promise<number> {
  const entry = await deps.readStored(idHash);
  if (entry === undefined) return 0;
  const due = (e: StoredToken): boolean => e.revoked || ctx.isDue(e.expireTimeMs);
  if (!due(entry)) {
    deps.expiry.track(idHash, entry.expireTimeMs); // renewed since it was indexed
    return 0;
  }
  if (!ctx.mayRevoke()) {
    deps.expiry.schedule(idHash, ctx.nowWallMs);
    return 0;
  }
  return deps.revokeTree(idHash, due);
}

/**
 * Tidy's sweep, without the index: revokes (with their trees) the stored tokens that are marked
 * revoked or due at `nowWallMs` by the same rule (`now > expiry + ε`). Returns how many were deleted.
 */
export async function sweepDueTokens(
  deps: TokenExpiryDeps,
  nowWallMs: number,
  epsilonMs: number,
): Promise<number> {
  let deleted = 0;
  const due = (e: StoredToken): boolean =>
    e.revoked || isDueForRevocation(e.expireTimeMs, nowWallMs, epsilonMs);
  for (const idHash of await storedIdHashes(deps.storage)) {
    const entry = await deps.readStored(idHash);
    if (entry !== undefined && due(entry)) deleted += await deps.revokeTree(idHash, due);
  }
  return deleted;
}
