/**
 * Renewal of login tokens (Vault's expiration manager calling the method's `AuthRenew`): when a
 * token minted by a login is renewed, the auth method that issued it is asked first; it refuses
 * (the user or role is gone, its policies changed) by throwing, or returns its current TTL, max
 * and period, which bound the renewal together with the auth mount's TTLs.
 */
import { ArcaError } from '../lib/errors.js';
import { loginLeaseTtls } from './login-ttl.js';
import type { Mounts } from './mounts.js';
import type { SystemLeaseTtls } from './ttl.js';
import type { LoginRenewalLimits } from './tokens/token-store.js';
import type { TokenEntry } from './tokens/token-entry.js';

/** Asks the auth method behind `entry.path` whether, and within which bounds, the token renews. */
export async function loginRenewalLimits(
  mounts: Mounts | undefined,
  system: SystemLeaseTtls,
  entry: TokenEntry,
): Promise<LoginRenewalLimits> {
  const match = mounts?.router.match(entry.path);
  if (match === undefined || match.route.entry.kind !== 'auth') {
    throw new ArcaError('invalid_request', 'the auth method that issued this token is no longer enabled');
  }
  const backend = match.route.backend;
  if (backend.renewLogin === undefined) throw new ArcaError('unsupported_operation');
  const result = await backend.renewLogin({
    requestId: '',
    storage: match.route.storage,
    mountPoint: match.route.mountPoint,
    tokenPolicies: entry.policies.filter((p) => p !== 'default'),
    metadata: { ...entry.meta },
    internalData: { ...(entry.internalData ?? {}) },
    displayName: entry.displayName,
  });
  return {
    ttls: loginLeaseTtls(match.route.entry.config, system, result.maxTtlSeconds),
    ttlSeconds: result.ttlSeconds,
    periodSeconds: result.periodSeconds,
  };
}
