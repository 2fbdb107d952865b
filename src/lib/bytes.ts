/**
 * Byte helpers that security code depends on: constant-time comparison, zeroisation of key
 * material we no longer need, and strict hex/base64 decoding (a malformed share must be rejected,
 * not silently truncated the way Buffer.from(str, 'hex') does).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings in time independent of their contents. Inputs of different lengths
 * are hashed first so the comparison itself still runs in constant time (length is not secret).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    const ha = createHash('sha256').update(a).digest();
    const hb = createHash('sha256').update(b).digest();
    timingSafeEqual(ha, hb);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Constant-time comparison of two strings (UTF-8). */
export function constantTimeEqualStrings(a: string, b: string): boolean {
  return constantTimeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Overwrites key material in place. Call as soon as a key, share or plaintext is no longer needed. */
export function zeroize(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const buf of buffers) buf?.fill(0);
}

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes hex strictly; returns undefined for anything that is not an even-length hex string. */
export function decodeHexStrict(text: string): Buffer | undefined {
  return hexPattern.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Decodes standard padded base64 strictly; returns undefined for malformed input. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  return base64Pattern.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** UTF-8 encode. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}
