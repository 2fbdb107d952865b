/**
 * Small codecs shared by the transit paths: Go's strict standard base64 (what Vault decodes with),
 * the `vault:v<N>:` version prefix, and zeroizing of buffers this engine owns.
 */
import { ArcaError } from '../../lib/errors.js';

const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard padded base64 as Go's `base64.StdEncoding` does; undefined when malformed. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (!strictBase64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** Decodes base64 or throws Vault's 400 `<what>` message. */
export function requireBase64(text: string, message: string): Buffer {
  const decoded = decodeBase64Strict(text);
  if (decoded === undefined) throw new ArcaError('invalid_request', message);
  return decoded;
}

/** Decodes an optional base64 field (empty string = absent), throwing `message` when malformed. */
export function optionalBase64(text: string | undefined, message: string): Buffer | undefined {
  if (text === undefined || text === '') return undefined;
  return requireBase64(text, message);
}

/** Overwrites key material held in buffers we own (derived keys, decoded raw keys). */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const buffer of buffers) buffer?.fill(0);
}

/** `vault:v<version>:` — Vault's default version template. */
export function versionPrefix(version: number): string {
  return `vault:v${version}:`;
}

/** A `vault:v<N>:<payload>` value split into its version and payload. */
export interface VersionedValue {
  version: number;
  payload: string;
}

/**
 * Parses a versioned ciphertext/signature/HMAC with Vault's messages (`kind` is `ciphertext`,
 * `signature` or `hmac`): no prefix, wrong number of fields, version not a number.
 */
export function parseVersioned(value: string, kind: string): VersionedValue {
  if (!value.startsWith('vault:v')) throw new ArcaError('invalid_request', `invalid ${kind}: no prefix`);
  const rest = value.slice('vault:v'.length);
  const colon = rest.indexOf(':');
  if (colon < 0) throw new ArcaError('invalid_request', `invalid ${kind}: wrong number of fields`);
  const digits = rest.slice(0, colon);
  if (!/^-?\d{1,9}$/.test(digits)) {
    throw new ArcaError('invalid_request', `invalid ${kind}: version number could not be decoded`);
  }
  const parsed = Number(digits);
  return { version: parsed === 0 ? 1 : parsed, payload: rest.slice(colon + 1) };
}
