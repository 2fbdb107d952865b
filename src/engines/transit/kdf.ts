/**
 * Key derivation for `derived` transit keys, exactly as Vault's keysutil: HKDF-SHA256 (key = the
 * version's key, no salt, info = context) for keys created since Vault 0.6.2 (`kdf` 1), and the
 * NIST SP 800-108 counter-mode KDF with HMAC-SHA256 (`kdf` 0, 256 bits) for older, restored keys.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';

/** Vault's message when a derived key is used without a context. */
export const missingContextMessage =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

/** SP 800-108 counter mode: PRF(key, be32(i) ‖ context ‖ be32(bits)) for i = 0, 1, ... */
export function counterModeKdf(key: Uint8Array, context: Uint8Array, bits: number): Buffer {
  const out: Buffer[] = [];
  const input = Buffer.alloc(4 + context.length + 4);
  Buffer.from(context).copy(input, 4);
  input.writeUInt32BE(bits, 4 + context.length);
  const rounds = Math.ceil(bits / 256);
  for (let i = 0; i < rounds; i++) {
    input.writeUInt32BE(i, 0);
    out.push(createHmac('sha256', key).update(input).digest());
  }
  const result = Buffer.concat(out).subarray(0, bits / 8);
  for (const part of out) if (part.buffer !== result.buffer) part.fill(0);
  return result;
}

/** Derives `lengthBytes` of key material for `context` (which must be non-empty). */
export function deriveKey(kdf: 0 | 1, key: Uint8Array, context: Uint8Array, lengthBytes: number): Buffer {
  if (context.length === 0) throw new ArcaError('invalid_request', missingContextMessage);
  if (kdf === 0) return counterModeKdf(key, context, 256);
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), context, lengthBytes));
}
