/**
 * ACL policy parsing (Vault's ParseACLPolicy). Vault reads policies with HCL 1, so this does too
 * (src/lib/hcl1: a block's `{` may sit on the next line, `#`/`//`/`/* *\/` comments, heredocs,
 * JSON documents); HCL 2-only syntax (expressions, references, `key: value`) is rejected as Vault
 * rejects it. Every failure is `policy_syntax` (400) with Vault's `failed to parse policy: ...`
 * text: `At <line>:<col>: ...` for syntax, `invalid key "k" on line N` for keys outside Vault's
 * list (hclutil.CheckHCLKeys). A policy that parses is normalised into the `PathRule`s the ACL
 * evaluates.
 */
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import { parseHcl1, type HclItem, type HclValue } from '../../lib/hcl1/parser.js';

/** Vault's capabilities (`subscribe` is accepted by Vault too; we have no event system). */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

/** Every capability in Vault's display order. */
export const allCapabilities: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
];

/** Parameter constraints: parameter name (lower-case) → allowed/denied values ([] = any value). */
export type ParameterRules = Record<string, unknown[]>;

/**
 * One `path "<pattern>" {...}` block. `pattern` keeps Vault's glob syntax: a trailing `*` is a
 * prefix match, a `+` segment matches exactly one path segment; a leading '/' was stripped.
 */
export interface PathRule {
  pattern: string;
  capabilities: Capability[];
  allowedParameters?: ParameterRules;
  deniedParameters?: ParameterRules;
  requiredParameters?: string[];
  /** Parsed for compatibility; response-wrapping TTL bounds are enforced by core if at all. */
  minWrappingTtlSeconds?: number;
  maxWrappingTtlSeconds?: number;
}

/** A parsed policy: its name, the exact text it was written with, and its rules. */
export interface Policy {
  name: string;
  text: string;
  rules: PathRule[];
}

const validCapabilities = new Set<string>([...allCapabilities, 'subscribe']);

/** Legacy `policy = "..."` values (pre-0.5 Vault), expanded as Vault does. */
const legacyPolicies: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const topLevelKeys = new Set(['name', 'path']);
const pathKeys = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

function syntax(detail: string): ArcaError {
  return new ArcaError('policy_syntax', `failed to parse policy: ${detail}`);
}

/** Where a path block's errors point: its pattern, as Vault prefixes them (`path "secret/*": ...`). */
function inPath(pattern: string, detail: string): ArcaError {
  return syntax(`path ${JSON.stringify(pattern)}: ${detail}`);
}

/** The single key of an attribute or block (`capabilities`, `allowed_parameters`, ...). */
function onlyKey(item: HclItem): string {
  return item.keys[0]?.name ?? '';
}

/** A plain value (what Vault's decoder gives an `interface{}`); objects keep the last duplicate. */
function plain(value: HclValue): unknown {
  if (value.kind === 'literal') return value.value;
  if (value.kind === 'list') return value.items.map(plain);
  const out: Record<string, unknown> = {};
  for (const item of value.items) {
    let nested: unknown = plain(item.value);
    for (const key of item.keys.slice(1).reverse()) nested = { [key.name]: nested };
    Object.defineProperty(out, onlyKey(item), {
      value: nested,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A string field: HCL 1 decodes a string, number or bool literal into a Go string by its text. */
function scalarText(value: HclValue): string | undefined {
  if (value.kind !== 'literal' || value.value === null) return undefined;
  return String(value.value);
}

function stringList(pattern: string, item: HclItem): string[] {
  const key = onlyKey(item);
  const texts = item.value.kind === 'list' ? item.value.items.map(scalarText) : [undefined];
  if (!texts.every((text): text is string => text !== undefined)) {
    throw inPath(pattern, `At ${item.value.line}:${item.value.column}: ${key} must be a list of strings`);
  }
  return texts;
}

function parameterRules(pattern: string, item: HclItem): ParameterRules {
  const key = onlyKey(item);
  if (item.value.kind !== 'object') {
    throw inPath(pattern, `At ${item.value.line}:${item.value.column}: ${key} must be a map of lists`);
  }
  const out: ParameterRules = {};
  for (const entry of item.value.items) {
    if (entry.keys.length !== 1 || entry.value.kind !== 'list') {
      throw inPath(pattern, `At ${entry.line}:${entry.column}: ${key}.${onlyKey(entry)} must be a list`);
    }
    Object.defineProperty(out, onlyKey(entry).toLowerCase(), {
      value: plain(entry.value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function wrappingTtl(item: HclItem): number {
  const key = onlyKey(item);
  const value = item.value.kind === 'literal' ? item.value.value : undefined;
  try {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error('not a duration');
    return parseDurationSeconds(value, key);
  } catch {
    throw syntax(
      `error parsing ${key}: invalid duration ${JSON.stringify(plain(item.value))} on line ${item.line}`,
    );
  }
}

/** The body's items by key, after Vault's key check; a key given twice is ambiguous and refused. */
function bodyItems(pattern: string, body: HclValue): Map<string, HclItem> {
  if (body.kind !== 'object')
    throw inPath(pattern, `At ${body.line}:${body.column}: expected a block { ... }`);
  const items = new Map<string, HclItem>();
  for (const item of body.items) {
    const key = onlyKey(item);
    if (!pathKeys.has(key)) throw inPath(pattern, `invalid key ${JSON.stringify(key)} on line ${item.line}`);
    if (item.keys.length !== 1) {
      throw inPath(pattern, `At ${item.line}:${item.column}: ${key} takes no label`);
    }
    if (items.has(key)) throw inPath(pattern, `duplicate key ${JSON.stringify(key)} on line ${item.line}`);
    items.set(key, item);
  }
  return items;
}

function pathRule(rawPattern: string, body: HclValue): PathRule {
  const items = bodyItems(rawPattern, body);
  const pattern = rawPattern.startsWith('/') ? rawPattern.slice(1) : rawPattern;
  if (pattern.includes('+*')) {
    throw syntax(`path ${JSON.stringify(pattern)}: invalid use of wildcards ('+*' is forbidden)`);
  }
  const capabilities = new Set<Capability>();
  const policyItem = items.get('policy');
  if (policyItem !== undefined) {
    const text = scalarText(policyItem.value);
    if (text === undefined)
      throw inPath(rawPattern, `At ${policyItem.line}:${policyItem.column}: policy must be a string`);
    const legacy = Object.hasOwn(legacyPolicies, text) ? legacyPolicies[text] : undefined;
    if (legacy === undefined && text !== '')
      throw inPath(rawPattern, `invalid policy ${JSON.stringify(text)}`);
    for (const capability of legacy ?? []) capabilities.add(capability);
  }
  const capabilitiesItem = items.get('capabilities');
  if (capabilitiesItem !== undefined) {
    for (const capability of stringList(rawPattern, capabilitiesItem)) {
      if (!validCapabilities.has(capability)) {
        throw inPath(rawPattern, `invalid capability ${JSON.stringify(capability)}`);
      }
      if (capability !== 'subscribe') capabilities.add(capability as Capability);
    }
  }
  const rule: PathRule = {
    pattern,
    // deny stands alone, as Vault stores it.
    capabilities: capabilities.has('deny') ? ['deny'] : allCapabilities.filter((c) => capabilities.has(c)),
  };
  const allowed = items.get('allowed_parameters');
  if (allowed !== undefined) rule.allowedParameters = parameterRules(rawPattern, allowed);
  const denied = items.get('denied_parameters');
  if (denied !== undefined) rule.deniedParameters = parameterRules(rawPattern, denied);
  const required = items.get('required_parameters');
  // Kept as written: the ACL lower-cases each name when it checks (as Vault).
  if (required !== undefined) rule.requiredParameters = stringList(rawPattern, required);
  for (const key of ['mfa_methods', 'subscribe_event_types'] as const) {
    const item = items.get(key);
    if (item !== undefined) stringList(rawPattern, item);
  }
  const comment = items.get('comment');
  if (comment !== undefined && scalarText(comment.value) === undefined) {
    throw inPath(rawPattern, `At ${comment.line}:${comment.column}: comment must be a string`);
  }
  const minTtl = items.get('min_wrapping_ttl');
  if (minTtl !== undefined) rule.minWrappingTtlSeconds = wrappingTtl(minTtl);
  const maxTtl = items.get('max_wrapping_ttl');
  if (maxTtl !== undefined) rule.maxWrappingTtlSeconds = wrappingTtl(maxTtl);
  if (
    rule.minWrappingTtlSeconds !== undefined &&
    rule.maxWrappingTtlSeconds !== undefined &&
    rule.maxWrappingTtlSeconds > 0 &&
    rule.maxWrappingTtlSeconds < rule.minWrappingTtlSeconds
  ) {
    throw syntax('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  return rule;
}

/**
 * The (pattern, body) pairs of one top-level `path` item. HCL: `path "<pattern>" { ... }`, exactly
 * one label. JSON: `"path": {"<pattern>": {...}}`, or a list of such objects, a body possibly a
 * list of bodies (HCL 1's JSON forms).
 */
function pathBlocks(json: boolean, item: HclItem): Array<[string, HclValue]> {
  const label = item.keys[1];
  if (!json || item.keys.length > 1) {
    if (label === undefined || item.keys.length !== 2 || item.assign || item.value.kind !== 'object') {
      throw syntax(
        `At ${item.line}:${item.column}: path blocks need exactly one label: path "<pattern>" { ... }`,
      );
    }
    return [[label.name, item.value]];
  }
  const groups = item.value.kind === 'list' ? item.value.items : [item.value];
  const out: Array<[string, HclValue]> = [];
  for (const group of groups) {
    if (group.kind !== 'object')
      throw syntax(`At ${group.line}:${group.column}: "path" must map patterns to blocks`);
    for (const entry of group.items) {
      const bodies = entry.value.kind === 'list' ? entry.value.items : [entry.value];
      for (const body of bodies) out.push([onlyKey(entry), body]);
    }
  }
  return out;
}

/**
 * Parses policy text (HCL 1, or JSON when it starts with `{`). Throws `policy_syntax` (400) with
 * `failed to parse policy: At <line>:<col>: ...` for a syntax error, or naming the bad key (and
 * its line) or capability. Patterns containing identity templates (`{{...}}`) are kept as written;
 * the ACL never matches them (we have no identity store), which keeps deny-by-default.
 */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const document = parseHcl1(text);
  if (!document.ok) throw syntax(`At ${document.line}:${document.column}: ${document.message}`);
  const rules: PathRule[] = [];
  for (const item of document.items) {
    const key = onlyKey(item);
    if (!topLevelKeys.has(key)) throw syntax(`invalid key ${JSON.stringify(key)} on line ${item.line}`);
    if (key === 'name') {
      if (item.keys.length !== 1 || scalarText(item.value) === undefined) {
        throw syntax(`At ${item.line}:${item.column}: name must be a string`);
      }
      continue;
    }
    for (const [pattern, body] of pathBlocks(document.json, item)) rules.push(pathRule(pattern, body));
  }
  return { name, text, rules };
}
