/**
 * KV values are stored as UTF-8 JSON: the same bytes a client sent (Vault stores JSON too), and
 * a stored value that does not decode is an integrity failure, never a silent empty secret.
 */
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a JSON-serialisable value; 413 when it would not fit in one storage value. */
export function encodeJson(value: unknown): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(value));
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
  const bytes = encoder.encode(key).length;
  if (bytes > limits.engineStorageKeyBytesMax) {
    throw new ArcaError(
      'invalid_request',
      `path is too long: ${bytes} bytes (max ${limits.engineStorageKeyBytesMax})`,
    );
  }
  return key;
}

/** Decodes bytes written by `encodeJson`; throws `integrity_failure` (500) on garbage. */
export function decodeJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    throw new ArcaError('integrity_failure', `stored ${what} is not valid JSON`);
  }
}
