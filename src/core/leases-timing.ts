/**
 * When the expiration manager may revoke (the lease time rules, docs/architecture.md): only on the active node,
 * only once a grace of ε (`max_clock_offset`) plus one election timeout has passed since it became
 * active (measured on the monotonic clock, so a wall-clock step cannot shorten it), and never again
 * once it is stopped (deactivation, seal). Also Vault's retry schedule for failed revocations.
 */
import type { Clock } from '../lib/clock.js';
import { defaultMaxClockOffsetMs } from '../lib/clock-offset.js';
import type { Rng } from '../lib/rng.js';

/** The expiration manager's time settings. */
export interface LeaseTiming {
  /** ε: the bound on clock offsets between nodes (config `max_clock_offset`). */
  maxClockOffsetMs: number;
  /** Raft's election timeout (0 without HA): part of the grace after becoming active. */
  electionTimeoutMs: number;
  /** Base of the exponential revocation backoff (Vault: 10 s). */
  revokeRetryBaseMs: number;
  /** Failed attempts after which a lease is irrevocable (Vault: 6). */
  maxRevokeAttempts: number;
  /** Bound on revocations one tick performs (the rest wait for the next tick). */
  maxRevocationsPerTick: number;
  /** Engine revocations in flight at once within a tick (Vault: 200 workers). */
  revocationConcurrency: number;
}

/** Vault's values, ε = 500 ms, no election timeout (single node). */
export const defaultLeaseTiming: LeaseTiming = {
  maxClockOffsetMs: defaultMaxClockOffsetMs,
  electionTimeoutMs: 0,
  revokeRetryBaseMs: 10_000,
  maxRevokeAttempts: 6,
  maxRevocationsPerTick: 10_000,
  revocationConcurrency: 32,
};

/** Whether expiry-driven revocation may run now; see the module comment. */
export class RevocationGate {
  private readonly openAtMonoMs: number;
  private stopped = false;

  /** Starts the grace now (call when the node becomes active and builds its runtime). */
  constructor(
    private readonly clock: Clock,
    timing: LeaseTiming,
    private readonly isActive: () => boolean,
  ) {
    this.openAtMonoMs = clock.monotonicMs() + timing.maxClockOffsetMs + timing.electionTimeoutMs;
  }

  /** True while active, past the grace, and not stopped. Check right before every engine call. */
  isOpen(): boolean {
    return !this.stopped && this.isActive() && this.clock.monotonicMs() >= this.openAtMonoMs;
  }

  /** Closes the gate for good (deactivation, seal): no expiry-driven revocation after this. */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/**
 * Vault's `revokeExponentialBackoff`: 2^attempt · base, jittered uniformly within ±50 %, for the
 * `attempt`-th failure (1-based).
 */
export function revokeBackoffMs(attempt: number, timing: LeaseTiming, rng: Rng): number {
  const exp = 2 ** attempt * timing.revokeRetryBaseMs;
  return Math.round(exp * 0.5 + rng.nextFloat() * exp);
}
