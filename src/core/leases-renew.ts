/**
 * One lease renewal (Vault's ExpirationManager.Renew after its checks): the engine's renew handler
 * runs, then the new TTL is computed from now with the increment and capped by issue time + max
 * TTL (the mount's, or the engine's when smaller) with Vault's warning, and — for a lease issued
 * under a batch token — by that token's expiry (leases-batch.ts). Returns the renewed record to
 * persist and the response to send (lease id, new `lease_duration`, warnings).
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import type { Rng } from '../lib/rng.js';
import type { LogicalResponse } from '../logical/response.js';
import { renewErrorText, renewWithEngine, type LeaseMountResolver } from './leases-engine.js';
import { cappedExpiry, ttlSecondsUntil } from './leases-batch.js';
import type { LeaseRecord } from './leases-record.js';
import { renewalTtl } from './ttl.js';

/** What a renewal needs. */
export interface RenewDeps {
  resolveMount: LeaseMountResolver;
  rng: Rng;
  mountTtls: (path: string) => { defaultSeconds: number; maxSeconds: number };
}

/** Renews `lease` at `nowWallMs`; `renewed` is undefined when the engine returned no secret. */
export async function renewThroughEngine(
  deps: RenewDeps,
  lease: LeaseRecord,
  incrementSeconds: number,
  nowWallMs: number,
): Promise<{ response: LogicalResponse; renewed?: LeaseRecord }> {
  let response: LogicalResponse;
  try {
    response = await renewWithEngine(deps.resolveMount, deps.rng, lease, incrementSeconds);
  } catch (err) {
    throw isArcaError(err) ? err : new ArcaError('invalid_request', renewErrorText(err));
  }
  const secret = response.secret;
  if (secret === undefined) return { response: {} };
  const ttl = renewalTtl({
    mount: deps.mountTtls(lease.path),
    incrementSeconds,
    backendTtlSeconds: secret.ttlSeconds,
    backendMaxTtlSeconds: secret.maxTtlSeconds ?? lease.maxTtlSeconds ?? 0,
    issueWallMs: lease.issueWallMs,
    nowWallMs,
  });
  const expireWallMs = cappedExpiry(nowWallMs + ttl.ttlSeconds * 1000, lease.notAfterWallMs);
  const ttlSeconds =
    lease.notAfterWallMs === undefined ? ttl.ttlSeconds : ttlSecondsUntil(expireWallMs, nowWallMs);
  const renewed: LeaseRecord = {
    ...lease,
    expireWallMs,
    lastRenewalWallMs: nowWallMs,
    renewable: secret.renewable,
    ...(secret.internalData === undefined ? {} : { internalData: secret.internalData }),
  };
  const warnings = [...(response.warnings ?? []), ...ttl.warnings];
  return {
    renewed,
    response: {
      data: response.data ?? null,
      ...(warnings.length > 0 ? { warnings } : {}),
      leaseId: lease.leaseId,
      secret: { ...secret, ttlSeconds },
    },
  };
}
