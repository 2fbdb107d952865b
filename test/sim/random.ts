/**
 * Small helpers over the injected `Rng` so every random choice in the simulator comes from the
 * seeded generator (replayable from the seed alone).
 */
import type { Rng } from '../../src/lib/rng.js';

/** True with probability `p` (p ≤ 0 never, p ≥ 1 always, and no draw is wasted on those). */
export function chance(rng: Rng, p: number): boolean {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return rng.nextFloat() < p;
}

/** A float in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

/** An integer in [lo, hi] (inclusive). */
export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + rng.intBelow(hi - lo + 1);
}

/** One element of a non-empty array. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty array');
  return items[rng.intBelow(items.length)];
}

/** An exponentially distributed value with the given mean (heavy-ish tail for delays). */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.nextFloat()) * mean;
}

/** A Fisher–Yates shuffled copy. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.intBelow(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
