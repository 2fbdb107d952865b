/**
 * Shape checks for JSON read back from storage (or any other untrusted source): parse to `unknown`,
 * then check the value against a `Shape` before using it as a typed record. A cast (`JSON.parse(x)
 * as T`) would let a corrupted or tampered record flow on with the wrong types; `npm run lint`
 * (scripts/tidy.mjs, rule unchecked-cast) forbids it. `object` shapes are checked field by field
 * and return a fresh object with exactly the declared fields.
 */
import { isUtf8 } from 'node:buffer';
import { ArcaError } from './errors.js';

/** Checks `value` (found at `path`, for the error) and returns it typed, or throws `ShapeError`. */
export type Shape<T> = (value: unknown, path: string) => T;

/** A value did not have the expected shape; `path` names where (`entries[2].type`). */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`${path || 'value'}: expected ${expected}`);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** A string. */
export const str: Shape<string> = (v, path) => {
  if (typeof v !== 'string') throw new ShapeError(path, 'a string');
  return v;
};

/** A finite number. */
export const num: Shape<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError(path, 'a number');
  return v;
};

/** A boolean. */
export const bool: Shape<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new ShapeError(path, 'a boolean');
  return v;
};

/** One of the given string literals. */
export function literal<const L extends string>(...allowed: L[]): Shape<L> {
  return (v, path) => {
    if (typeof v !== 'string' || !(allowed as string[]).includes(v))
      throw new ShapeError(path, `one of ${allowed.join(', ')}`);
    return v as L;
  };
}

/** `undefined` when absent (undefined or null), else the inner shape. */
export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return (v, path) => (v === undefined || v === null ? undefined : inner(v, path));
}

/** An array whose every item has the inner shape. */
export function arrayOf<T>(item: Shape<T>): Shape<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new ShapeError(path, 'an array');
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

/** A JSON object whose every value has the inner shape (a copy). */
export function recordOf<T>(value: Shape<T>): Shape<Record<string, T>> {
  return (v, path) => {
    if (!isPlainObject(v)) throw new ShapeError(path, 'an object');
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) out[k] = value(x, `${path}.${k}`);
    return out;
  };
}

/** Any JSON object, returned as is (values unchecked: for opaque payloads such as a secret's data). */
export const anyObject: Shape<Record<string, unknown>> = (v, path) => {
  if (!isPlainObject(v)) throw new ShapeError(path, 'an object');
  return v;
};

/** `null`, or the inner shape. */
export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return (v, path) => (v === null ? null : inner(v, path));
}

/** Fields of `T`, each with its shape (every key of `T` must be listed: the compiler checks it). */
export type Fields<T> = { [K in keyof T]-?: Shape<T[K]> };

/** An object with exactly these fields; absent optional fields stay absent in the copy. */
export function object<T>(fields: Fields<T>): Shape<T> {
  // Listed once: a stored record is decoded on every read (KV v2 metadata), so no entries array per call.
  const keys = Object.keys(fields);
  const shapes = keys.map((key) => (fields as Record<string, Shape<unknown>>)[key]);
  return (v, path) => {
    if (!isPlainObject(v)) throw new ShapeError(path, 'an object');
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = shapes[i](v[key], path === '' ? key : `${path}.${key}`);
      if (value !== undefined) out[key] = value;
    }
    return out as T;
  };
}

/** Parses JSON text to `unknown` and checks it against `shape`; throws `ShapeError` either way. */
export function parseJson<T>(text: string, shape: Shape<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShapeError('', 'JSON');
  }
  return shape(value, '');
}

/**
 * Reads a JSON record that core stored itself: a value that does not parse or has the wrong shape
 * (or is not UTF-8) is data corruption: 500 `integrity_failure` naming `what` and the bad field,
 * never a client error.
 */
export function decodeStoredJson<T>(bytes: Uint8Array, shape: Shape<T>, what: string): T {
  // Strict UTF-8: invalid bytes are corruption, never replaced silently.
  if (!isUtf8(bytes)) throw new ArcaError('integrity_failure', `stored ${what} is not valid UTF-8`);
  try {
    return parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), shape);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new ArcaError('integrity_failure', `stored ${what} is malformed (${err.message})`);
  }
}
