/**
 * Finds the single governing rule for a request path, with Vault's semantics (vault/acl.go) and
 * indexes so a check costs a few map lookups instead of a scan of every rule: exact rules by
 * path; prefix (`*`) rules by path, probed only at the prefix lengths that exist; segment-wildcard
 * (`+`) rules grouped by their first segment, each pre-split once.
 */
import type { Operation } from '../../logical/request.js';

/** Vault's test: a `+` that starts a segment makes a segment-wildcard pattern (`a+b` is literal). */
export function hasSegmentWildcards(pattern: string): boolean {
  return pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
}

/** A matching non-exact rule with the facts Vault ranks it by. */
interface Candidate<T> {
  firstWildcardIndex: number;
  isPrefix: boolean;
  wildcardSegments: number;
  pathWithoutGlob: string;
  value: T;
}

/** Vault's wcPathDescr less(): true when `a` is LESS specific than `b`. */
function lessSpecific<T>(a: Candidate<T>, b: Candidate<T>): boolean {
  if (a.firstWildcardIndex !== b.firstWildcardIndex) return a.firstWildcardIndex < b.firstWildcardIndex;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (a.wildcardSegments !== b.wildcardSegments) return a.wildcardSegments > b.wildcardSegments;
  if (a.pathWithoutGlob.length !== b.pathWithoutGlob.length) {
    return a.pathWithoutGlob.length < b.pathWithoutGlob.length;
  }
  return a.pathWithoutGlob < b.pathWithoutGlob;
}

/** A segment-wildcard rule, split once. */
interface SegmentRule<T> extends Candidate<T> {
  parts: string[];
}

function segmentRule<T>(pattern: string, value: T): SegmentRule<T> {
  const isPrefix = pattern.endsWith('*');
  const pathWithoutGlob = isPrefix ? pattern.slice(0, -1) : pattern;
  const parts = pathWithoutGlob.split('/');
  return {
    parts,
    isPrefix,
    pathWithoutGlob,
    firstWildcardIndex: pattern.indexOf('+'),
    wildcardSegments: parts.filter((part) => part === '+').length,
    value,
  };
}

/** Vault's per-pattern segment match against the split request path. */
function segmentMatches<T>(rule: SegmentRule<T>, pathParts: string[]): boolean {
  const { parts, isPrefix } = rule;
  if (pathParts.length < parts.length) return false;
  if (!isPrefix && parts.length !== pathParts.length) return false;
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const part = parts[i];
    const actual = pathParts[i];
    if (part === '+' || part === actual) continue;
    if (isPrefix && i === last && actual.startsWith(part)) continue;
    return false;
  }
  return true;
}

/**
 * Rules keyed by pattern: `entry(pattern, create)` returns the value for a pattern (creating it),
 * so identical patterns from several policies share one value to merge into; `lookup` finds the
 * governing one. Call `lookup` only after every `entry` (the indexes are built lazily once).
 */
export class RuleIndex<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by the pattern without its trailing `*`. */
  private readonly prefix = new Map<string, T>();
  /** Keyed by the full pattern (contains a segment `+`, maybe ends in `*`). */
  private readonly segment = new Map<string, T>();
  private built = false;
  private prefixLengthsDescending: number[] = [];
  private segmentsByFirstPart = new Map<string, SegmentRule<T>[]>();
  /** Segment rules whose first part is `+` (or could prefix-match): checked for every path. */
  private segmentsAnyFirstPart: SegmentRule<T>[] = [];

  /** The value stored for `pattern`, created by `create` on first use. */
  entry(pattern: string, create: () => T): T {
    this.built = false;
    const [table, key] = this.tableFor(pattern);
    let value = table.get(key);
    if (value === undefined) {
      value = create();
      table.set(key, value);
    }
    return value;
  }

  private tableFor(pattern: string): [Map<string, T>, string] {
    if (hasSegmentWildcards(pattern)) return [this.segment, pattern];
    if (pattern.endsWith('*')) return [this.prefix, pattern.slice(0, -1)];
    return [this.exact, pattern];
  }

  private build(): void {
    this.prefixLengthsDescending = [...new Set([...this.prefix.keys()].map((key) => key.length))].sort(
      (a, b) => b - a,
    );
    this.segmentsByFirstPart = new Map();
    this.segmentsAnyFirstPart = [];
    for (const [pattern, value] of this.segment) {
      if (pattern === '') continue;
      const rule = segmentRule(pattern, value);
      const first = rule.parts[0];
      if (first === '+' || (rule.isPrefix && rule.parts.length === 1)) {
        this.segmentsAnyFirstPart.push(rule);
      } else {
        const group = this.segmentsByFirstPart.get(first) ?? [];
        group.push(rule);
        this.segmentsByFirstPart.set(first, group);
      }
    }
    this.built = true;
  }

  /**
   * The value of the single rule governing `path`, in Vault's order (acl.go AllowOperation): an
   * exact rule; for a LIST of `a/b/` also the exact rule `a/b`, then the non-exact rules for `a/b`
   * (so `a/+` governs `LIST a/b/`); else the most specific of the longest prefix rule and every
   * matching segment rule, by Vault's precedence. Undefined when nothing matches.
   */
  lookup(path: string, operation: Operation): T | undefined {
    const exact = this.exact.get(path);
    if (exact !== undefined) return exact;
    if (operation === 'list' && path.endsWith('/')) {
      const folder = path.slice(0, -1);
      const value = this.exact.get(folder) ?? this.nonExact(folder);
      if (value !== undefined) return value;
    }
    return this.nonExact(path);
  }

  /** Vault's CheckAllowedFromNonExactPaths: the most specific prefix or segment rule for `path`. */
  private nonExact(path: string): T | undefined {
    if (!this.built) this.build();
    let best: Candidate<T> | undefined;
    for (const length of this.prefixLengthsDescending) {
      if (length > path.length) continue;
      const key = path.slice(0, length);
      const value = this.prefix.get(key);
      if (value === undefined) continue;
      best = { firstWildcardIndex: length, isPrefix: true, wildcardSegments: 0, pathWithoutGlob: key, value };
      break;
    }
    if (this.segment.size === 0) return best?.value;
    const pathParts = path.split('/');
    const groups = [this.segmentsByFirstPart.get(pathParts[0]), this.segmentsAnyFirstPart];
    for (const group of groups) {
      for (const rule of group ?? []) {
        if (segmentMatches(rule, pathParts) && (best === undefined || lessSpecific(best, rule))) best = rule;
      }
    }
    return best?.value;
  }
}
