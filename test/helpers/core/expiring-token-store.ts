/**
 * A token store wired to its own expiration manager, as core's runtime wires them (the manager's
 * `token` tracker in, the store's handler back), for token tests that run without a core: ε is the
 * store's `maxClockOffsetMs` (default 0), no election timeout, active unless `isActive` says not.
 */
import { ExpirationManager } from '../../../src/core/expiration.js';
import { defaultLeaseTiming } from '../../../src/core/leases-timing.js';
import { TokenStore, type TokenStoreDeps } from '../../../src/core/tokens/token-store.js';
import type { CoreLogger } from '../../../src/core/mounts.js';

const quiet: CoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ExpiringTokenStore {
  store: TokenStore;
  expiration: ExpirationManager;
  /** One expiry tick: what core's tick runs. Returns how many tokens were revoked. */
  expireDue: () => Promise<number>;
  /** Rebuilds the expiry index from storage (what a node does on becoming active). */
  restore: () => Promise<void>;
}

/** Builds the store and its manager; restore() is not run (a fresh store has nothing stored). */
export function expiringTokenStore(
  deps: Omit<TokenStoreDeps, 'expiry'>,
  opts: { isActive?: () => boolean } = {},
): ExpiringTokenStore {
  const expiration = new ExpirationManager({
    clock: deps.clock,
    logger: quiet,
    timing: { ...defaultLeaseTiming, maxClockOffsetMs: deps.maxClockOffsetMs ?? 0 },
    isActive: opts.isActive ?? (() => true),
  });
  const store = new TokenStore({ ...deps, expiry: expiration.tracker('token') });
  expiration.setHandler('token', store.expiryHandler());
  return {
    store,
    expiration,
    expireDue: () => expiration.expireDue(),
    restore: () => expiration.restore(),
  };
}

/** Just the store (tests that never expire anything). */
export function tokenStoreFor(deps: Omit<TokenStoreDeps, 'expiry'>): TokenStore {
  return expiringTokenStore(deps).store;
}
