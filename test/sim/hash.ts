/**
 * A fast, deterministic, non-cryptographic 52-bit hash for comparing entries and applied-state
 * chains across simulated nodes (two FNV-1a lanes; collisions are irrelevant at our sizes).
 */
export function hashBytes(data: Uint8Array, seed = 0): number {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x01000193 ^ (seed * 31)) >>> 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    a = Math.imul(a ^ byte, 0x01000193) >>> 0;
    b = Math.imul(b ^ byte, 0x5bd1e995) >>> 0;
  }
  return (a >>> 0) * 2 ** 20 + (b >>> 12);
}

/** Folds numbers into a running chain hash (used for the applied-sequence hash chain). */
export function chainHash(previous: number, ...values: number[]): number {
  let a = (previous % 2 ** 32) >>> 0;
  let b = Math.floor(previous / 2 ** 32) >>> 0;
  for (const v of values) {
    const lo = (v % 2 ** 32) >>> 0;
    const hi = Math.floor(v / 2 ** 32) >>> 0;
    a = Math.imul(a ^ lo, 0x01000193) >>> 0;
    a = Math.imul(a ^ hi, 0x01000193) >>> 0;
    b = Math.imul(b ^ lo ^ (a >>> 7), 0x5bd1e995) >>> 0;
    b = Math.imul(b ^ hi, 0x5bd1e995) >>> 0;
  }
  return (b >>> 12) * 2 ** 32 + a;
}
