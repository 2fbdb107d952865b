/**
 * Vault's weak field coercion (framework.FieldData with mapstructure's WeakDecode): the CLI sends
 * every value as a JSON string (`vault write k=v`), so declared fields accept their value either in
 * its JSON type or as text. A value that cannot be coerced is a 400 naming the field, never a 500.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import { parseDurationSeconds } from '../lib/durations.js';
import type { FieldReader, FieldSpec, FieldType } from './backend.js';

/** The result of reading a request's data against its path's declared fields. */
export interface FieldsRead {
  reader: FieldReader;
  /** Keys of `data` that no spec declares, sorted (for the "ignored parameters" warning). */
  unknown: string[];
}

/**
 * Coerces every declared field present in `data` (eagerly, so a bad value fails before the
 * handler runs, as a 400 `Field validation failed: ... field "<name>" ...`) and lists the
 * undeclared keys. `required` is documentation only, as in Vault's
 * framework: handlers check the fields they need.
 */
export function readFields(
  specs: Record<string, FieldSpec> | undefined,
  data: Record<string, unknown>,
): FieldsRead {
  const declared = specs ?? {};
  const values = new Map<string, unknown>();
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(data)) {
    const spec = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (spec === undefined) {
      unknown.push(name);
      continue;
    }
    try {
      values.set(name, coerceField(name, spec.type, raw));
    } catch (err) {
      // Vault's framework wraps every coercion failure the same way.
      if (isArcaError(err, 'invalid_field')) {
        throw new ArcaError('invalid_field', `Field validation failed: ${err.messages.join('; ')}`);
      }
      throw err;
    }
  }
  unknown.sort();
  const reader: FieldReader = {
    get<T = unknown>(name: string): T | undefined {
      if (values.has(name)) return values.get(name) as T;
      const spec = Object.hasOwn(declared, name) ? declared[name] : undefined;
      return spec?.default as T | undefined;
    },
    has(name: string): boolean {
      return values.has(name);
    },
  };
  return { reader, unknown };
}

/** Coerces one raw value to `type`; throws `invalid_field` naming `name` when it cannot. */
export function coerceField(name: string, type: FieldType, raw: unknown): unknown {
  switch (type) {
    case 'raw':
      return raw;
    case 'string':
      return coerceString(name, raw);
    case 'int':
      return coerceInt(name, raw);
    case 'bool':
      return coerceBool(name, raw);
    case 'duration':
      return parseDurationSeconds(raw, name);
    case 'string_list':
      return coerceStringList(name, raw);
    case 'map':
      return coerceMap(name, raw);
    case 'key_value_map':
      return coerceKeyValueMap(name, raw);
  }
}

function invalid(name: string, type: string, raw: unknown): never {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : typeof raw;
  throw new ArcaError(
    'invalid_field',
    `error converting input ${shown} for field "${name}": expected ${type}`,
  );
}

function coerceString(name: string, raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  if (raw === null) return '';
  return invalid(name, 'a string', raw);
}

function coerceInt(name: string, raw: unknown): number {
  if (typeof raw === 'number') {
    const value = Math.trunc(raw);
    if (!Number.isSafeInteger(value)) invalid(name, 'an integer', raw);
    return value;
  }
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return 0;
    if (/^[-+]?\d+$/.test(text)) {
      const value = Number(text);
      if (Number.isSafeInteger(value)) return value;
    }
    // JSON numbers in strings ("5.0") decode like Go's json.Number through WeakDecode.
    if (/^[-+]?\d+\.\d*$/.test(text)) {
      const value = Math.trunc(Number(text));
      if (Number.isSafeInteger(value)) return value;
    }
  }
  return invalid(name, 'an integer', raw);
}

const trueWords = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

function coerceBool(name: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw !== 0;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (trueWords.has(text)) return true;
    if (falseWords.has(text)) return false;
  }
  return invalid(name, 'a boolean', raw);
}

function coerceStringList(name: string, raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[')) {
      const parsed = tryJson(text);
      if (Array.isArray(parsed)) return coerceStringList(name, parsed);
    }
    return text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  if (Array.isArray(raw)) {
    return raw.map((item) => {
      if (typeof item === 'object' && item !== null) invalid(name, 'a list of strings', raw);
      return coerceString(name, item).trim();
    });
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return [coerceString(name, raw)];
  return invalid(name, 'a list of strings', raw);
}

/** Sets an own property even for `__proto__`, so client keys never reshape an object. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function coerceMap(name: string, raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (isPlainObject(raw)) return raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    const parsed = tryJson(raw);
    if (isPlainObject(parsed)) return parsed;
  }
  return invalid(name, 'a map', raw);
}

function coerceKeyValueMap(name: string, raw: unknown): Record<string, string> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return {};
    const parsed = tryJson(text);
    if (isPlainObject(parsed)) return coerceKeyValueMap(name, parsed);
    return coerceKeyValueMap(name, text.split(','));
  }
  if (Array.isArray(raw)) {
    // Vault's TypeKVPairs also takes ["k=v", ...].
    const out: Record<string, string> = {};
    for (const item of raw) {
      if (typeof item !== 'string') return invalid(name, 'a map of strings', raw);
      const at = item.indexOf('=');
      if (at <= 0) return invalid(name, 'a map of strings (key=value)', raw);
      setOwn(out, item.slice(0, at).trim(), item.slice(at + 1).trim());
    }
    return out;
  }
  if (isPlainObject(raw)) {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value === 'object' && value !== null) invalid(name, 'a map of strings', raw);
      setOwn(out, key, coerceString(name, value));
    }
    return out;
  }
  return invalid(name, 'a map of strings', raw);
}
