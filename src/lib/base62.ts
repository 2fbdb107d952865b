/**
 * Uniform base62 strings from the OS CSPRNG: token bodies, accessors, and the one-time pads of
 * root generation (server-made, or the CLI's `-generate-otp`).
 */
import { secureRandomBytes } from './rng.js';

const base62Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` uniformly distributed base62 characters. Bytes ≥ 248 are rejected (248 = 4 × 62) so
 * every character is exactly uniform.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = secureRandomBytes(length * 2);
    for (const byte of bytes) {
      if (byte >= 248) continue;
      out += base62Alphabet[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
