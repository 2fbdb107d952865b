/**
 * The ACL of one token (Vault's vault/acl.go): the rules of all its policies, merged per pattern,
 * evaluated deny-by-default. For a request path only the single most specific matching rule
 * applies (see ./rule-index.ts for Vault's precedence); `deny` beats everything.
 */
import type { Operation } from '../../logical/request.js';
import { mergeConstraints, parametersAllowed, type ParameterConstraints } from './parameters.js';
import { allCapabilities, type Capability, type PathRule, type Policy } from './policy.js';
import { RuleIndex } from './rule-index.js';

/** The merged permissions of one pattern across all of a token's policies. */
export interface RulePermissions extends ParameterConstraints {
  capabilities: Set<Capability>;
  minWrappingTtlSeconds?: number;
  maxWrappingTtlSeconds?: number;
}

/** The outcome of an ACL check. `sudo` reports whether the matched rule grants sudo. */
export interface AclDecision {
  allowed: boolean;
  sudo: boolean;
  /** The matched rule's capabilities (empty when no rule matched). */
  capabilities: Capability[];
}

const operationCapability: Record<Operation, Capability> = {
  read: 'read',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  list: 'list',
};

/**
 * What the ACL needs from the request beyond path and operation (see `allowOperation`). Both
 * fields are required, so a bare data record can never be passed in its place: a client-chosen
 * key such as `data` or `wrapTtlSeconds` in a body or query string stays request data.
 */
export interface AclRequestContext {
  /** The request data as sent (body or query parameters), for the parameter constraints. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The requested response-wrapping TTL (`X-Vault-Wrap-TTL`), or undefined when not wrapped. */
  readonly wrapTtlSeconds: number | undefined;
}

function wrappingAllowed(permissions: RulePermissions, wrapTtlSeconds: number | undefined): boolean {
  const min = permissions.minWrappingTtlSeconds ?? 0;
  const max = permissions.maxWrappingTtlSeconds ?? 0;
  if (max > 0 && (wrapTtlSeconds === undefined || wrapTtlSeconds > max)) return false;
  if (min > 0 && (wrapTtlSeconds === undefined || wrapTtlSeconds < min)) return false;
  return !(min > 0 && max > 0 && max < min);
}

const parameterCheckedOperations = new Set<Operation>(['read', 'create', 'update', 'patch']);

function merge(into: RulePermissions, rule: PathRule): void {
  if (into.capabilities.has('deny')) return;
  if (rule.capabilities.includes('deny')) {
    into.capabilities = new Set(['deny']);
    return;
  }
  for (const capability of rule.capabilities) into.capabilities.add(capability);
  mergeConstraints(into, rule.allowedParameters, rule.deniedParameters, rule.requiredParameters);
  // Vault prefers the shorter lifetime: the lesser of two minimums and of two maximums.
  if (rule.minWrappingTtlSeconds !== undefined && rule.minWrappingTtlSeconds > 0) {
    into.minWrappingTtlSeconds = Math.min(into.minWrappingTtlSeconds ?? Infinity, rule.minWrappingTtlSeconds);
  }
  if (rule.maxWrappingTtlSeconds !== undefined && rule.maxWrappingTtlSeconds > 0) {
    into.maxWrappingTtlSeconds = Math.min(into.maxWrappingTtlSeconds ?? Infinity, rule.maxWrappingTtlSeconds);
  }
}

/**
 * A token's ACL. Construct once per token (or per policy-set) and reuse: lookups are cheap.
 * A policy named `root` grants everything, including sudo.
 */
export class Acl {
  /** True when the policies include `root`. */
  readonly isRoot: boolean;
  private readonly rules = new RuleIndex<RulePermissions>();

  constructor(policies: Policy[]) {
    this.isRoot = policies.some((policy) => policy.name === 'root');
    for (const policy of policies) {
      for (const rule of policy.rules) {
        // Identity templates need an entity we do not have: such rules never match.
        if (rule.pattern.includes('{{')) continue;
        merge(
          this.rules.entry(rule.pattern, () => ({ capabilities: new Set(), required: [] })),
          rule,
        );
      }
    }
  }

  /**
   * Vault's SudoPrivilege (what the token store asks for its "root or sudo" operations): whether
   * the rule governing `path` grants `sudo` and does not deny. A path ending in `/` is looked up
   * as a LIST (so an exact rule `a/b` also governs `a/b/`), anything else as a read.
   */
  hasSudo(path: string): boolean {
    if (this.isRoot) return true;
    const permissions = this.matchingRule(path, path.endsWith('/') ? 'list' : 'read');
    return (
      permissions !== undefined &&
      !permissions.capabilities.has('deny') &&
      permissions.capabilities.has('sudo')
    );
  }

  /** The permissions of the single rule that governs `path` for `operation`, or undefined. */
  matchingRule(path: string, operation: Operation): RulePermissions | undefined {
    return this.rules.lookup(path, operation);
  }

  /**
   * Whether `operation` on `path` is allowed (deny by default; `deny` wins), and whether the
   * matched rule grants sudo (core decides which paths need it).
   *
   * Pass `request` to enforce, exactly as Vault, the rule's response-wrapping bounds
   * (`min_wrapping_ttl`/`max_wrapping_ttl`: the request must be wrapped within them;
   * `wrapTtlSeconds` undefined means "not wrapped") and, for read/create/update/patch, its
   * required/denied/allowed parameters over the raw request keys. Without `request` only the
   * capabilities are checked.
   */
  allowOperation(path: string, operation: Operation, request?: AclRequestContext): AclDecision {
    if (this.isRoot)
      return { allowed: true, sudo: true, capabilities: allCapabilities.filter((c) => c !== 'deny') };
    const permissions = this.matchingRule(path, operation);
    if (permissions === undefined) return { allowed: false, sudo: false, capabilities: [] };
    const capabilities = allCapabilities.filter((c) => permissions.capabilities.has(c));
    if (permissions.capabilities.has('deny')) return { allowed: false, sudo: false, capabilities };
    const sudo = permissions.capabilities.has('sudo');
    let allowed = permissions.capabilities.has(operationCapability[operation]);
    if (allowed && request !== undefined) {
      allowed =
        wrappingAllowed(permissions, request.wrapTtlSeconds) &&
        (!parameterCheckedOperations.has(operation) || parametersAllowed(permissions, request.data));
    }
    return { allowed, sudo, capabilities };
  }

  /**
   * Vault's sys/capabilities answer for `path`: `["root"]` for root, `["deny"]` when the matched
   * rule denies or grants nothing (or nothing matches), else the granted capabilities sorted.
   * Like Vault it looks the path up as a LIST would (an exact rule `a/b` also answers `a/b/`).
   */
  capabilities(path: string): Array<Capability | 'root'> {
    if (this.isRoot) return ['root'];
    // Vault asks as a LIST, so an exact rule also governs its folder form.
    const permissions = this.matchingRule(path, 'list');
    if (
      permissions === undefined ||
      permissions.capabilities.has('deny') ||
      permissions.capabilities.size === 0
    ) {
      return ['deny'];
    }
    return [...permissions.capabilities].sort();
  }
}
