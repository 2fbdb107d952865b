/**
 * Defensive field coercion for the token backend. Core's dispatch coerces declared fields, but
 * these handlers must be correct on their own, so every value is (re)coerced here with Vault's
 * weak typing — the CLI sends everything as strings (`"num_uses":"5"`, `"renewable":"false"`,
 * `"policies":"a,b"`, `"ttl":"1h"`). A value that cannot be coerced is a 400 naming the field.
 */
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import type { BackendRequest } from '../../logical/backend.js';

function invalid(field: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
  throw new ArcaError(
    'invalid_field',
    `invalid value for field "${field}": expected ${expected}, got ${shown}`,
  );
}

const trueWords = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Typed, coerced access to one request's parameters (declared fields first, then raw data). */
export class TokenFields {
  constructor(private readonly request: Pick<BackendRequest, 'fields' | 'data' | 'params'>) {}

  /** Whether the client sent the field (or the path captured it). */
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** The value as sent (or as dispatch coerced it), path params winning. */
  raw(name: string): unknown {
    const param = this.request.params?.[name];
    if (param !== undefined) return param;
    const fields = this.request.fields;
    if (fields?.has(name)) {
      const value = fields.get(name);
      if (value !== undefined && value !== null) return value;
    }
    const value = this.request.data?.[name];
    return value === null ? undefined : value;
  }

  string(name: string, fallback = ''): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return invalid(name, 'a string', value);
  }

  int(name: string, fallback = 0): number {
    const value = this.raw(name);
    if (value === undefined || value === '') return fallback;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^[-+]?\d{1,15}$/.test(value.trim())) return Number(value.trim());
    return invalid(name, 'an integer', value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined || value === '') return fallback;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
    if (typeof value === 'string') {
      if (trueWords.has(value.trim())) return true;
      if (falseWords.has(value.trim())) return false;
    }
    return invalid(name, 'a boolean', value);
  }

  /** Whole seconds (Vault's ParseDurationSecond); negative values are rejected. */
  durationSeconds(name: string): number {
    const value = this.raw(name);
    if (value === undefined) return 0;
    if (typeof value !== 'string' && typeof value !== 'number') return invalid(name, 'a duration', value);
    return parseDurationSeconds(value, name);
  }

  /** A list of strings; a string is split on commas (or parsed as a JSON array); blanks are dropped. */
  stringList(name: string): string[] {
    let value = this.raw(name);
    if (value === undefined) return [];
    if (typeof value === 'string' && value.trim().startsWith('[')) {
      try {
        value = JSON.parse(value);
      } catch {
        return invalid(name, 'a list of strings', value);
      }
    }
    const items =
      typeof value === 'string'
        ? value.split(',')
        : Array.isArray(value)
          ? value
          : invalid(name, 'a list of strings', value);
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number')
        return invalid(name, 'a list of strings', item);
      const text = String(item).trim();
      if (text !== '') out.push(text);
    }
    return out;
  }

  /** A string → string map: an object, JSON object text, or `k=v` pairs (list or comma string). */
  stringMap(name: string): Record<string, string> {
    let value = this.raw(name);
    if (value === undefined || value === '') return {};
    if (typeof value === 'string' && value.trim().startsWith('{')) {
      try {
        value = JSON.parse(value);
      } catch {
        return invalid(name, 'a map of strings', value);
      }
    }
    if (typeof value === 'string') value = value.split(',');
    const pairs: [string, string][] = [];
    if (Array.isArray(value)) {
      for (const pair of value) {
        if (typeof pair !== 'string' || !pair.includes('=')) return invalid(name, 'key=value pairs', pair);
        const at = pair.indexOf('=');
        pairs.push([pair.slice(0, at).trim(), pair.slice(at + 1).trim()]);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === 'string') pairs.push([key, item]);
        else if (typeof item === 'number' || typeof item === 'boolean') pairs.push([key, String(item)]);
        else return invalid(name, 'a map of strings', item);
      }
    } else {
      return invalid(name, 'a map of strings', value);
    }
    // fromEntries defines own properties, so a key like "__proto__" stays plain data.
    return Object.fromEntries(pairs);
  }
}
