/**
 * Token roles (`auth/token/roles/<name>`): stored settings that shape tokens created through
 * `auth/token/create/<name>` — allowed/disallowed policies (names and globs), orphan, renewable,
 * path suffix, period, explicit max TTL, num_uses, no-default-policy. Only service tokens exist
 * here, so `token_type` is `default-service` or `service`.
 */
import { arrayOf, bool, decodeStoredJson, literal, num, object, optional, str } from '../../lib/shape.js';
import { ArcaError } from '../../lib/errors.js';
import type { StorageView } from '../../logical/storage-view.js';
import { tokenKeys } from './token-entry.js';

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  allowedEntityAliases: string[];
  tokenPeriodSeconds: number;
  tokenExplicitMaxTtlSeconds: number;
  tokenNoDefaultPolicy: boolean;
  tokenType: 'default-service' | 'service' | 'default-batch' | 'batch';
  tokenBoundCidrs: string[];
  tokenNumUses: number;
}

/** The stored shape of a role (fields absent in older records take the defaults). */
const storedRole = object<Partial<TokenRole>>({
  name: optional(str),
  allowedPolicies: optional(arrayOf(str)),
  disallowedPolicies: optional(arrayOf(str)),
  allowedPoliciesGlob: optional(arrayOf(str)),
  disallowedPoliciesGlob: optional(arrayOf(str)),
  orphan: optional(bool),
  renewable: optional(bool),
  pathSuffix: optional(str),
  allowedEntityAliases: optional(arrayOf(str)),
  tokenPeriodSeconds: optional(num),
  tokenExplicitMaxTtlSeconds: optional(num),
  tokenNoDefaultPolicy: optional(bool),
  tokenType: optional(literal('default-service', 'service', 'default-batch', 'batch')),
  tokenBoundCidrs: optional(arrayOf(str)),
  tokenNumUses: optional(num),
});

/** A role with Vault's defaults (renewable, default-service, nothing allowed or disallowed). */
export function defaultRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: true,
    pathSuffix: '',
    allowedEntityAliases: [],
    tokenPeriodSeconds: 0,
    tokenExplicitMaxTtlSeconds: 0,
    tokenNoDefaultPolicy: false,
    tokenType: 'default-service',
    tokenBoundCidrs: [],
    tokenNumUses: 0,
  };
}

/** Role names: what Vault's `\w(([\w-.]+)?\w)?` accepts. */
export function isValidRoleName(name: string): boolean {
  return /^\w(?:[\w.-]*\w)?$/.test(name);
}

/** Reads a role; undefined when it does not exist. */
export async function readRole(storage: StorageView, name: string): Promise<TokenRole | undefined> {
  if (!isValidRoleName(name)) return undefined;
  const bytes = await storage.get(tokenKeys.role(name.toLowerCase()));
  if (!bytes) return undefined;
  return { ...defaultRole(name), ...decodeStoredJson(bytes, storedRole, 'token role') };
}

/** Writes a role (one key: atomic by itself). */
export async function writeRole(storage: StorageView, role: TokenRole): Promise<void> {
  await storage.put(tokenKeys.role(role.name), Buffer.from(JSON.stringify(role), 'utf8'));
}

/** Deletes a role; deleting a missing role is not an error (Vault answers 204). */
export async function deleteRole(storage: StorageView, name: string): Promise<void> {
  if (!isValidRoleName(name)) return;
  await storage.delete(tokenKeys.role(name.toLowerCase()));
}

/** Role names, sorted. */
export async function listRoles(storage: StorageView): Promise<string[]> {
  return (await storage.list(tokenKeys.rolePrefix)).filter((k) => !k.endsWith('/'));
}

/** The role as `GET auth/token/roles/<name>` shows it (Vault's field names, durations in seconds). */
export function roleResponseData(role: TokenRole): Record<string, unknown> {
  return {
    name: role.name,
    allowed_policies: role.allowedPolicies,
    disallowed_policies: role.disallowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    allowed_entity_aliases: role.allowedEntityAliases,
    orphan: role.orphan,
    renewable: role.renewable,
    path_suffix: role.pathSuffix,
    token_period: role.tokenPeriodSeconds,
    period: role.tokenPeriodSeconds,
    token_explicit_max_ttl: role.tokenExplicitMaxTtlSeconds,
    explicit_max_ttl: role.tokenExplicitMaxTtlSeconds,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_type: role.tokenType,
    token_bound_cidrs: role.tokenBoundCidrs,
    bound_cidrs: role.tokenBoundCidrs,
    token_num_uses: role.tokenNumUses,
  };
}

/**
 * Period and explicit max that bound a renewal. A role token follows its role as it is NOW (Vault
 * re-reads the role): the role's period replaces the token's, and the smaller non-zero explicit
 * max wins. A role token whose role was deleted cannot be renewed (400), as in Vault.
 */
export async function renewalLimits(
  storage: StorageView,
  entry: { role?: string; periodSeconds: number; explicitMaxTtlSeconds: number },
): Promise<{ periodSeconds: number; explicitMaxTtlSeconds: number }> {
  let periodSeconds = entry.periodSeconds;
  let explicitMaxTtlSeconds = entry.explicitMaxTtlSeconds;
  if (entry.role === undefined) return { periodSeconds, explicitMaxTtlSeconds };
  const role = await readRole(storage, entry.role);
  if (!role) {
    throw new ArcaError(
      'invalid_request',
      `original token role "${entry.role}" could not be found, not renewing`,
    );
  }
  if (role.tokenPeriodSeconds > 0) periodSeconds = role.tokenPeriodSeconds;
  const roleMax = role.tokenExplicitMaxTtlSeconds;
  if (roleMax > 0 && (explicitMaxTtlSeconds === 0 || roleMax < explicitMaxTtlSeconds))
    explicitMaxTtlSeconds = roleMax;
  return { periodSeconds, explicitMaxTtlSeconds };
}
