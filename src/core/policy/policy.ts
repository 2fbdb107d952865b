/**
 * ACL policy parsing (Vault's ParseACLPolicy): HCL through HashiCorp's own HCL parser
 * (@cdktf/hcl2json, wasm) or JSON. Every failure is `policy_syntax` (400) with Vault's
 * `failed to parse policy: ...` text, naming the line where we can; a policy that parses is
 * normalised into `PathRule`s the ACL evaluates.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';

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

/** 1-based line of the first line of `text` that mentions `needle` as a key or label, or undefined. */
function lineOf(text: string, needle: string): number | undefined {
  const lines = text.split('\n');
  const quoted = JSON.stringify(needle);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trimStart();
    if (trimmed.startsWith(needle) || trimmed.startsWith(quoted) || line.includes(quoted)) return i + 1;
  }
  return undefined;
}

function onLine(text: string, needle: string): string {
  const line = lineOf(text, needle);
  return line === undefined ? '' : ` on line ${line}`;
}

/** Turns hcl2json's `parse config: [policy.hcl:3,5-6: Summary; Detail.]` into Vault's `At 3:5: ...`. */
function hclError(err: unknown): ArcaError {
  const raw = err instanceof Error ? err.message : String(err);
  const match = /:(\d+),(\d+)(?:-\d+)?: ([^\]]*)/.exec(raw);
  if (match === null) return syntax(raw.replace(/^parse config: /, ''));
  return syntax(`At ${match[1]}:${match[2]}: ${(match[3] ?? '').trim()}`);
}

/** JSON.parse error with the line and column computed from the reported position. */
function jsonError(text: string, err: unknown): ArcaError {
  const message = err instanceof Error ? err.message : String(err);
  const position = /position (\d+)/.exec(message);
  if (position === null) return syntax(message);
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return syntax(`At ${line}:${column}: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function parseDocument(text: string): Promise<Record<string, unknown>> {
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw jsonError(text, err);
    }
    if (!isObject(parsed)) throw syntax('policy JSON must be an object');
    return parsed;
  }
  try {
    return await parseHcl('policy.hcl', text);
  } catch (err) {
    throw hclError(err);
  }
}

/** The `path` value as (pattern, body) pairs; HCL gives `{pattern: [body...]}`, JSON `{pattern: body}`. */
function pathBlocks(text: string, value: unknown): Array<[string, Record<string, unknown>]> {
  const groups = Array.isArray(value) ? value : [value];
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const group of groups) {
    if (!isObject(group)) throw syntax('path blocks need exactly one label: path "<pattern>" { ... }');
    for (const [pattern, bodies] of Object.entries(group)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
        if (!isObject(body))
          throw syntax(`path ${JSON.stringify(pattern)}: invalid block${onLine(text, pattern)}`);
        out.push([pattern, body]);
      }
    }
  }
  return out;
}

function stringList(text: string, pattern: string, key: string, value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw syntax(`path ${JSON.stringify(pattern)}: ${key} must be a list of strings${onLine(text, key)}`);
  }
  return list;
}

function parameterRules(text: string, pattern: string, key: string, value: unknown): ParameterRules {
  // HCL1 gave a list of one map; accept that shape too.
  const map = Array.isArray(value) && value.length === 1 && isObject(value[0]) ? value[0] : value;
  if (!isObject(map))
    throw syntax(`path ${JSON.stringify(pattern)}: ${key} must be a map${onLine(text, key)}`);
  const out: ParameterRules = {};
  for (const [name, values] of Object.entries(map)) {
    if (!Array.isArray(values)) {
      throw syntax(`path ${JSON.stringify(pattern)}: ${key}.${name} must be a list${onLine(text, key)}`);
    }
    Object.defineProperty(out, name.toLowerCase(), {
      value: values,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function wrappingTtl(pattern: string, key: string, value: unknown): number {
  try {
    return parseDurationSeconds(value, key);
  } catch {
    throw syntax(`path ${JSON.stringify(pattern)}: error parsing ${key}: ${JSON.stringify(value)}`);
  }
}

function pathRule(text: string, rawPattern: string, body: Record<string, unknown>): PathRule {
  for (const key of Object.keys(body)) {
    if (!pathKeys.has(key)) {
      throw syntax(`path ${JSON.stringify(rawPattern)}: invalid key '${key}'${onLine(text, key)}`);
    }
  }
  const pattern = rawPattern.startsWith('/') ? rawPattern.slice(1) : rawPattern;
  if (pattern.includes('+*')) {
    throw syntax(`path ${JSON.stringify(pattern)}: invalid use of wildcards ('+*' is forbidden)`);
  }
  const capabilities = new Set<Capability>();
  if (body.policy !== undefined) {
    const legacy = typeof body.policy === 'string' ? legacyPolicies[body.policy] : undefined;
    if (legacy === undefined) {
      throw syntax(`path ${JSON.stringify(rawPattern)}: invalid policy ${JSON.stringify(body.policy)}`);
    }
    for (const capability of legacy) capabilities.add(capability);
  }
  if (body.capabilities !== undefined) {
    for (const capability of stringList(text, rawPattern, 'capabilities', body.capabilities)) {
      if (!validCapabilities.has(capability)) {
        throw syntax(`path ${JSON.stringify(rawPattern)}: invalid capability ${JSON.stringify(capability)}`);
      }
      if (capability !== 'subscribe') capabilities.add(capability as Capability);
    }
  }
  const rule: PathRule = {
    pattern,
    // deny stands alone, as Vault stores it.
    capabilities: capabilities.has('deny') ? ['deny'] : allCapabilities.filter((c) => capabilities.has(c)),
  };
  if (body.allowed_parameters !== undefined) {
    rule.allowedParameters = parameterRules(text, rawPattern, 'allowed_parameters', body.allowed_parameters);
  }
  if (body.denied_parameters !== undefined) {
    rule.deniedParameters = parameterRules(text, rawPattern, 'denied_parameters', body.denied_parameters);
  }
  if (body.required_parameters !== undefined) {
    // Kept as written: the ACL lower-cases each name when it checks (as Vault).
    rule.requiredParameters = stringList(text, rawPattern, 'required_parameters', body.required_parameters);
  }
  if (body.min_wrapping_ttl !== undefined) {
    rule.minWrappingTtlSeconds = wrappingTtl(rawPattern, 'min_wrapping_ttl', body.min_wrapping_ttl);
  }
  if (body.max_wrapping_ttl !== undefined) {
    rule.maxWrappingTtlSeconds = wrappingTtl(rawPattern, 'max_wrapping_ttl', body.max_wrapping_ttl);
  }
  if (
    rule.minWrappingTtlSeconds !== undefined &&
    rule.maxWrappingTtlSeconds !== undefined &&
    rule.maxWrappingTtlSeconds > 0 &&
    rule.maxWrappingTtlSeconds < rule.minWrappingTtlSeconds
  ) {
    throw syntax(`path ${JSON.stringify(rawPattern)}: max_wrapping_ttl cannot be less than min_wrapping_ttl`);
  }
  return rule;
}

/**
 * Parses policy text (HCL, or JSON when it starts with `{`). Throws `policy_syntax` (400) with
 * `failed to parse policy: At <line>:<col>: ...` for a syntax error, or naming the bad key or
 * capability. Patterns containing identity templates (`{{...}}`) are kept as written; the ACL
 * never matches them (we have no identity store), which keeps deny-by-default.
 */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const document = await parseDocument(text);
  for (const key of Object.keys(document)) {
    if (!topLevelKeys.has(key)) throw syntax(`invalid key '${key}'${onLine(text, key)}`);
  }
  const rules =
    document.path === undefined
      ? []
      : pathBlocks(text, document.path).map(([pattern, body]) => pathRule(text, pattern, body));
  return { name, text, rules };
}
