/**
 * Effective lease TTLs (Vault's HTTP API docs): a mount's 0 means the system value; a requested TTL
 * above the effective max is capped with Vault's warning.
 */
import { formatGoDuration } from '../lib/durations.js';
import { limits } from '../lib/limits.js';
import type { MountConfig } from './mount-table.js';

export interface EffectiveTtl {
  ttlSeconds: number;
  maxTtlSeconds: number;
  warnings: string[];
}

/** Mount default and max, falling back to the system values. */
export function mountTtls(config: MountConfig): { defaultSeconds: number; maxSeconds: number } {
  return {
    defaultSeconds: config.defaultLeaseTtlSeconds || limits.defaultLeaseTtlSeconds,
    maxSeconds: config.maxLeaseTtlSeconds || limits.maxLeaseTtlSeconds,
  };
}

/**
 * The TTL a lease gets: the requested one (>0) or the mount default, capped by the mount max and
 * by the secret's own max when it gives one.
 */
export function effectiveTtl(
  config: MountConfig,
  requestedSeconds: number,
  secretMaxSeconds = 0,
): EffectiveTtl {
  const { defaultSeconds, maxSeconds } = mountTtls(config);
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
