/**
 * KV values are stored as UTF-8 JSON: the same bytes a client sent (Vault stores JSON too), and
 * a stored value that does not decode is an integrity failure, never a silent empty secret.
 */
import { decodeStoredJson, type Shape } from '../../lib/shape.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';

// Buffer's UTF-8 paths: faster than TextEncoder/TextDecoder on the per-request hot path.

/** Encodes a JSON-serialisable value; 413 when it would not fit in one storage value. */
export function encodeJson(value: unknown): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  if (bytes.length > limits.engineStorageValueBytesMax) {
    throw new ArcaError(
      'payload_too_large',
      `value is ${bytes.length} bytes; the most one entry can hold is ${limits.engineStorageValueBytesMax}`,
    );
  }
  return bytes;
}

/** Returns `key` when it fits a storage key; a 400 naming the limit otherwise. */
export function checkedKey(key: string): string {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > limits.engineStorageKeyBytesMax) {
    throw new ArcaError(
      'invalid_request',
      `path is too long: ${bytes} bytes (max ${limits.engineStorageKeyBytesMax})`,
    );
  }
  return key;
}

/**
 * Decodes bytes written by `encodeJson` and checks them against `shape`; throws
 * `integrity_failure` (500) on garbage or on a record of the wrong shape.
 */
export function decodeJson<T>(bytes: Uint8Array, shape: Shape<T>, what: string): T {
  return decodeStoredJson(bytes, shape, what);
}
