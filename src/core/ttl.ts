/**
 * Effective lease TTLs (Vault's HTTP API docs): a mount's 0 means the system value; a requested TTL
 * above the effective max is capped with Vault's warning. The system values are the server
 * config's `default_lease_ttl` / `max_lease_ttl` (Vault's defaults: 768h each).
 */
import { formatGoDuration } from '../lib/durations.js';
import { ArcaError } from '../lib/errors.js';
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

/**
 * Vault's `framework.CalculateTTL` for a lease renewal: the increment (else the engine's TTL, else
 * the mount default), capped so the lease never outlives issue time + max TTL (the mount's, or the
 * engine's when smaller), with Vault's warning. Times are truncated to the second, as Vault does.
 * Throws Vault's `past the max TTL, cannot renew` once nothing is left.
 */
export function renewalTtl(input: {
  mount: { defaultSeconds: number; maxSeconds: number };
  incrementSeconds: number;
  backendTtlSeconds: number;
  backendMaxTtlSeconds: number;
  issueWallMs: number;
  nowWallMs: number;
}): { ttlSeconds: number; warnings: string[] } {
  const nowSeconds = Math.floor(input.nowWallMs / 1000);
  const startSeconds = Math.floor(input.issueWallMs / 1000);
  let maxTtl = input.mount.maxSeconds;
  if (input.backendMaxTtlSeconds > 0 && input.backendMaxTtlSeconds < maxTtl)
    maxTtl = input.backendMaxTtlSeconds;
  let ttl =
    input.incrementSeconds > 0
      ? input.incrementSeconds
      : input.backendTtlSeconds > 0
        ? input.backendTtlSeconds
        : input.mount.defaultSeconds;
  const maxValidTtl = startSeconds + maxTtl - nowSeconds;
  if (maxValidTtl <= 0) throw new ArcaError('invalid_request', 'past the max TTL, cannot renew');
  const warnings: string[] = [];
  if (maxValidTtl < ttl) {
    warnings.push(
      `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(maxValidTtl)}"; TTL value is capped accordingly`,
    );
    ttl = maxValidTtl;
  }
  return { ttlSeconds: ttl, warnings };
}

/** Vault's `humanDuration`: Go's duration text without zero parts (`1h`, `2m`, `1h5s`). */
export function humanDuration(seconds: number): string {
  let s = formatGoDuration(seconds);
  if (s.endsWith('m0s')) s = s.slice(0, -2);
  const at = s.indexOf('h0m');
  if (at > 0) s = s.slice(0, at + 1) + s.slice(at + 3);
  return s;
}
