/**
 * Effective lease TTLs (vault-api.md §0.2): a mount's 0 means the system value; a requested TTL
 * above the effective max is capped with Vault's warning. The system values are the server
 * config's `default_lease_ttl` / `max_lease_ttl` (Vault's defaults: 768h each).
 */
import { formatGoDuration } from '../lib/durations.js';
import { limits } from '../lib/limits.js';
import type { MountConfig } from './mount-table.js';

/** The system-wide lease TTLs a mount's 0 falls back to (config `default_lease_ttl`, `max_lease_ttl`). */
export interface SystemLeaseTtls {
  defaultLeaseTtlSeconds: number;
  maxLeaseTtlSeconds: number;
}

/** Vault's built-in system TTLs (768h each), used when the config sets neither. */
export const vaultSystemLeaseTtls: SystemLeaseTtls = {
  defaultLeaseTtlSeconds: limits.defaultLeaseTtlSeconds,
  maxLeaseTtlSeconds: limits.maxLeaseTtlSeconds,
};

export interface EffectiveTtl {
  ttlSeconds: number;
  maxTtlSeconds: number;
  warnings: string[];
}

/** Mount default and max, falling back to the system values. */
export function mountTtls(
  config: MountConfig,
  system: SystemLeaseTtls,
): { defaultSeconds: number; maxSeconds: number } {
  return {
    defaultSeconds: config.defaultLeaseTtlSeconds || system.defaultLeaseTtlSeconds,
    maxSeconds: config.maxLeaseTtlSeconds || system.maxLeaseTtlSeconds,
  };
}

/** `mountTtls` in the token store's shape (what `TokenStore.configureLeaseTtls` takes). */
export function resolvedLeaseTtls(config: MountConfig, system: SystemLeaseTtls): SystemLeaseTtls {
  const { defaultSeconds, maxSeconds } = mountTtls(config, system);
  return { defaultLeaseTtlSeconds: defaultSeconds, maxLeaseTtlSeconds: maxSeconds };
}

/**
 * The TTL a lease gets: the requested one (>0) or the mount default, capped by the mount max and
 * by the secret's own max when it gives one.
 */
export function effectiveTtl(
  config: MountConfig,
  system: SystemLeaseTtls,
  requestedSeconds: number,
  secretMaxSeconds = 0,
): EffectiveTtl {
  const { defaultSeconds, maxSeconds } = mountTtls(config, system);
  const maxTtlSeconds = secretMaxSeconds > 0 ? Math.min(secretMaxSeconds, maxSeconds) : maxSeconds;
  const wanted = requestedSeconds > 0 ? requestedSeconds : defaultSeconds;
  if (wanted <= maxTtlSeconds) return { ttlSeconds: wanted, maxTtlSeconds, warnings: [] };
  const warnings =
    requestedSeconds > 0
      ? [
          `TTL of "${formatGoDuration(wanted)}" exceeded the effective max_ttl of "${formatGoDuration(maxTtlSeconds)}"; TTL value is capped accordingly`,
        ]
      : [];
  return { ttlSeconds: maxTtlSeconds, maxTtlSeconds, warnings };
}
