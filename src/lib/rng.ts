/**
 * The randomness port for *behaviour* (election jitter, backoff, sampling, simulation). Key
 * material and tokens never come from an `Rng`: they use `secureRandomBytes` so a seeded generator
 * can never leak into a secret. Tests and the simulator use `SeededRng` and replay from the seed.
 */
import { randomBytes, randomInt } from 'node:crypto';

export interface Rng {
  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number;
  /** A uniformly distributed integer in [0, bound), bound ≥ 1 and ≤ 2^32. */
  intBelow(bound: number): number;
  /** A float in [0, 1). */
  nextFloat(): number;
}

/** Cryptographically strong bytes for keys, tokens, salts and nonces. */
export function secureRandomBytes(length: number): Buffer {
  return randomBytes(length);
}

/** An `Rng` backed by the OS CSPRNG; the production default. */
export const systemRng: Rng = {
  nextUint32: () => randomBytes(4).readUInt32LE(0),
  intBelow: (bound) => (bound === 1 ? 0 : randomInt(0, bound)),
  nextFloat: () => randomBytes(4).readUInt32LE(0) / 2 ** 32,
};

/**
 * xoshiro128** seeded through splitmix32: fast, small state, good statistical quality, and the
 * same sequence on every platform for a given seed. Not for secrets.
 */
export class SeededRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(readonly seed: number) {
    let x = seed >>> 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  intBelow(bound: number): number {
    if (!(bound >= 1 && bound <= 2 ** 32 && Number.isInteger(bound))) {
      throw new RangeError(`intBelow needs an integer bound in [1, 2^32], got ${bound}`);
    }
    // Rejection sampling keeps the distribution exactly uniform.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % bound;
    }
  }

  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A new independent generator derived from this one (for per-node streams in the simulator). */
  fork(): SeededRng {
    return new SeededRng(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
