/**
 * TTL arithmetic for tokens, a port of Vault's `framework.CalculateTTL`: the effective max is the
 * mount/system max lowered by an explicit max; a periodic token gets `period` (capped by the max)
 * and is bounded only by its explicit max from issue time; any other token gets the increment,
 * else its own TTL, else the default, bounded by issue time + max. Capping adds Vault's warning
 * text. All times are whole seconds, as in Vault.
 */
import { ArcaError } from '../../lib/errors.js';
import { formatGoDuration } from '../../lib/durations.js';

/** The lease defaults that apply to the token mount (0 = use the system value). */
export interface LeaseTtls {
  defaultLeaseTtlSeconds: number;
  maxLeaseTtlSeconds: number;
}

export interface TtlInput {
  ttls: LeaseTtls;
  /** Requested increment (renewals), seconds; 0 = none. */
  incrementSeconds: number;
  /** The token's own TTL (requested at creation, or its creation TTL on renewal), seconds. */
  tokenTtlSeconds: number;
  periodSeconds: number;
  explicitMaxTtlSeconds: number;
  /** Issue time, wall ms (truncated to seconds internally). */
  startTimeMs: number;
  nowMs: number;
}

export interface TtlResult {
  ttlSeconds: number;
  warnings: string[];
}

/** Vault's capping warning for a TTL. */
export function ttlCappedWarning(ttlSeconds: number, maxSeconds: number): string {
  return `TTL of "${formatGoDuration(ttlSeconds)}" exceeded the effective max_ttl of "${formatGoDuration(maxSeconds)}"; TTL value is capped accordingly`;
}

/** Vault's capping warning for a period. */
export function periodCappedWarning(periodSeconds: number, maxSeconds: number): string {
  return `period of "${formatGoDuration(periodSeconds)}" exceeded the effective max_ttl of "${formatGoDuration(maxSeconds)}"; period value is capped accordingly`;
}

/**
 * Computes the TTL to grant now. Throws 400 when the token is already past its max TTL (it can
 * no longer be renewed).
 */
export function calculateTtl(input: TtlInput): TtlResult {
  const warnings: string[] = [];
  const nowSeconds = Math.floor(input.nowMs / 1000);
  const startSeconds = Math.floor(input.startTimeMs / 1000);
  let maxTtl = input.ttls.maxLeaseTtlSeconds;
  if (input.explicitMaxTtlSeconds > 0 && input.explicitMaxTtlSeconds < maxTtl) {
    maxTtl = input.explicitMaxTtlSeconds;
  }
  if (maxTtl <= 0) throw new ArcaError('invalid_request', 'max TTL must be greater than zero');

  let ttl: number;
  let maxValidSeconds: number | undefined;
  if (input.periodSeconds > 0) {
    let period = input.periodSeconds;
    if (period > maxTtl) {
      warnings.push(periodCappedWarning(period, maxTtl));
      period = maxTtl;
    }
    ttl = period;
    if (input.explicitMaxTtlSeconds > 0) maxValidSeconds = startSeconds + input.explicitMaxTtlSeconds;
  } else {
    if (input.incrementSeconds > 0) ttl = input.incrementSeconds;
    else if (input.tokenTtlSeconds > 0) ttl = input.tokenTtlSeconds;
    else ttl = input.ttls.defaultLeaseTtlSeconds;
    maxValidSeconds = startSeconds + maxTtl;
  }

  if (maxValidSeconds !== undefined) {
    const maxValidTtl = maxValidSeconds - nowSeconds;
    if (maxValidTtl <= 0) throw new ArcaError('invalid_request', 'past the max TTL, cannot renew');
    if (ttl > maxValidTtl) {
      warnings.push(ttlCappedWarning(ttl, maxValidTtl));
      ttl = maxValidTtl;
    }
  }
  return { ttlSeconds: ttl, warnings };
}

/**
 * The TTL granted at creation: Vault computes one only for periodic tokens, tokens that asked for
 * a TTL, and non-root tokens; a root-policy token without either never expires (ttl 0) unless it
 * has an explicit max, which then becomes its TTL.
 */
export function creationTtl(input: {
  ttls: LeaseTtls;
  requestedTtlSeconds: number;
  periodSeconds: number;
  explicitMaxTtlSeconds: number;
  isRoot: boolean;
  nowMs: number;
}): TtlResult {
  let result: TtlResult = { ttlSeconds: 0, warnings: [] };
  if (input.periodSeconds > 0 || input.requestedTtlSeconds > 0 || !input.isRoot) {
    result = calculateTtl({
      ttls: input.ttls,
      incrementSeconds: 0,
      tokenTtlSeconds: input.requestedTtlSeconds,
      periodSeconds: input.periodSeconds,
      explicitMaxTtlSeconds: input.explicitMaxTtlSeconds,
      startTimeMs: input.nowMs,
      nowMs: input.nowMs,
    });
  }
  if (result.ttlSeconds === 0 && input.explicitMaxTtlSeconds > 0) {
    result = { ...result, ttlSeconds: input.explicitMaxTtlSeconds };
  }
  return result;
}
