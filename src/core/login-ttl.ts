/**
 * The TTL of a login token (Vault's `framework.CalculateTTL` as `handleLoginRequest` calls it):
 * the auth mount's TTLs (0 = the system's) bound everything; the method's `token_max_ttl` and
 * `token_explicit_max_ttl` can only lower the max; `token_period` makes a periodic token;
 * otherwise `token_ttl`, else the mount default, capped by the max with Vault's warning.
 */
import type { LoginAuth } from '../logical/login.js';
import type { MountConfig } from './mount-table.js';
import { mountTtls, type SystemLeaseTtls } from './ttl.js';
import { calculateTtl, type LeaseTtls, type TtlResult } from './tokens/token-ttl.js';

/** The settings of a login (or of its renewal) that bound its token's TTL, seconds. */
export type LoginTtlSettings = Pick<LoginAuth, 'ttlSeconds' | 'maxTtlSeconds' | 'periodSeconds'>;

/** The mount's TTLs with the method's max applied (what renewals are measured against too). */
export function loginLeaseTtls(
  config: MountConfig,
  system: SystemLeaseTtls,
  maxTtlSeconds: number,
): LeaseTtls {
  const { defaultSeconds, maxSeconds } = mountTtls(config, system);
  const max = maxTtlSeconds > 0 && maxTtlSeconds < maxSeconds ? maxTtlSeconds : maxSeconds;
  return { defaultLeaseTtlSeconds: defaultSeconds, maxLeaseTtlSeconds: max };
}

/** The TTL granted at login (start time = now), with Vault's capping warnings. */
export function loginTokenTtl(
  config: MountConfig,
  system: SystemLeaseTtls,
  login: LoginTtlSettings & Pick<LoginAuth, 'explicitMaxTtlSeconds'>,
  nowMs = 0,
): TtlResult {
  return calculateTtl({
    ttls: loginLeaseTtls(config, system, login.maxTtlSeconds),
    incrementSeconds: 0,
    tokenTtlSeconds: login.ttlSeconds,
    periodSeconds: login.periodSeconds,
    explicitMaxTtlSeconds: login.explicitMaxTtlSeconds,
    startTimeMs: nowMs,
    nowMs,
  });
}
