/**
 * KV values are stored as UTF-8 JSON: the same bytes a client sent (Vault stores JSON too), and
 * a stored value that does not decode is an integrity failure, never a silent empty secret.
 */
import { ArcaError } from '../../lib/errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a JSON-serialisable value. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes bytes written by `encodeJson`; throws `integrity_failure` (500) on garbage. */
export function decodeJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    throw new ArcaError('integrity_failure', `stored ${what} is not valid JSON`);
  }
}
