/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a restarted peer
 * is not hit by every node at the same instant and a dead one costs little. Randomness comes from
 * the injected `Rng` so tests and the simulator can replay it.
 */
import type { Rng } from '../../lib/rng.js';

/** Backoff bounds. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Default policy for cluster links: 100 ms doubling up to 5 s. */
export const defaultReconnectBackoff: BackoffPolicy = { baseDelayMs: 100, maxDelayMs: 5_000 };

/** Delay before reconnect attempt number `attempt` (0-based): in [cap/2, cap], cap = min(max, base·2^attempt). */
export function reconnectDelayMs(attempt: number, policy: BackoffPolicy, rng: Rng): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  const half = Math.floor(cap / 2);
  return cap - half + rng.intBelow(half + 1);
}
