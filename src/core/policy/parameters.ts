/**
 * Vault's parameter constraints on a matched ACL rule (`required_parameters`,
 * `denied_parameters`, `allowed_parameters`), evaluated on the raw top-level request keys exactly
 * as Vault's ACL.AllowOperation does. Values may be globbed with a leading and/or trailing `*`.
 */
import type { ParameterRules } from './policy.js';

/** The merged parameter constraints of one pattern. */
export interface ParameterConstraints {
  allowed?: ParameterRules;
  denied?: ParameterRules;
  required: string[];
}

/** Vault's strutil.GlobbedStringsMatch. */
export function globbedStringsMatch(item: string, value: string): boolean {
  if (item.length < 2) return value === item;
  const starFirst = item.startsWith('*');
  const starLast = item.endsWith('*');
  if (starFirst && starLast) return value.includes(item.slice(1, -1));
  if (starFirst) return value.endsWith(item.slice(1));
  if (starLast) return value.startsWith(item.slice(0, -1));
  return value === item;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Vault's valueInParameterList: null only equals null; strings glob-match; anything else is deep-equal. */
function inList(value: unknown, list: readonly unknown[]): boolean {
  return list.some((item) => {
    if (item === null || value === null || item === undefined || value === undefined) return item === value;
    if (typeof item === 'string') return typeof value === 'string' && globbedStringsMatch(item, value);
    return deepEqual(item, value);
  });
}

/**
 * The parts a value may stand for as a list (Vault assumes any string may be a comma-separated
 * list, parseutil.ParseCommaStringSlice: '' → none, else split on ',' and trimmed), or undefined
 * for a value that is neither an array nor a string.
 */
function listParts(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  return value === '' ? [] : value.split(',').map((part) => part.trim());
}

/**
 * Vault's valueInAllowedParameterList: an empty list admits any value; otherwise the value must
 * match one list item as a whole, or — when it is an array or a (comma-separated) string — every
 * one of its elements must match some item.
 */
export function valueInAllowedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const parts = listParts(value);
  return parts !== undefined && parts.every((part) => inList(part, list));
}

/**
 * Vault's valueInDeniedParameterList: an empty list denies any value; otherwise the value is
 * denied when it matches an item as a whole, or when any element of it (array, or the parts of
 * a comma-separated string) does.
 */
export function valueInDeniedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const parts = listParts(value);
  return parts !== undefined && parts.some((part) => inList(part, list));
}

/** True when `data` satisfies the constraints (required present, nothing denied, only allowed). */
export function parametersAllowed(
  constraints: ParameterConstraints,
  data: Readonly<Record<string, unknown>>,
): boolean {
  // Vault looks a required name up lower-cased, against the request keys as sent.
  for (const name of constraints.required) if (!Object.hasOwn(data, name.toLowerCase())) return false;
  const entries = Object.entries(data).map(([key, value]) => [key.toLowerCase(), value] as const);
  if (entries.length === 0) return true;
  const denied = constraints.denied;
  if (denied !== undefined && Object.keys(denied).length > 0) {
    if (Object.hasOwn(denied, '*')) return false;
    for (const [key, value] of entries) {
      const list = Object.hasOwn(denied, key) ? denied[key] : undefined;
      if (list !== undefined && valueInDeniedList(value, list)) return false;
    }
  }
  const allowed = constraints.allowed;
  if (allowed === undefined || Object.keys(allowed).length === 0) return true;
  const allowedAll = Object.hasOwn(allowed, '*');
  if (allowedAll && Object.keys(allowed).length === 1) return true;
  for (const [key, value] of entries) {
    const list = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (list === undefined) {
      if (!allowedAll) return false;
    } else if (!valueInAllowedList(value, list)) {
      return false;
    }
  }
  return true;
}

/** Merges another policy's constraints for the same pattern into `into`, as Vault's NewACL does. */
export function mergeConstraints(
  into: ParameterConstraints,
  allowed: ParameterRules | undefined,
  denied: ParameterRules | undefined,
  required: string[] | undefined,
): void {
  into.allowed = mergeRules(into.allowed, allowed);
  into.denied = mergeRules(into.denied, denied);
  for (const name of required ?? []) if (!into.required.includes(name)) into.required.push(name);
}

function mergeRules(
  existing: ParameterRules | undefined,
  added: ParameterRules | undefined,
): ParameterRules | undefined {
  if (added === undefined || Object.keys(added).length === 0) return existing;
  if (existing === undefined) return structuredClone(added);
  const out: ParameterRules = { ...existing };
  for (const [key, values] of Object.entries(added)) {
    const prior = Object.hasOwn(out, key) ? out[key] : undefined;
    // An empty list (any value) overrides any other list for the key.
    const merged =
      values.length === 0 || (prior !== undefined && prior.length === 0) ? [] : [...values, ...(prior ?? [])];
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
