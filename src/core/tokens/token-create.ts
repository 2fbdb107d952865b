/**
 * `auth/token/create`, `create-orphan` and `create/<role>`: turns a request into the parameters of
 * a new token following Vault's rules — policies default to the parent's and must be a subset of
 * them unless the caller is root (or, with a role, of the role's allowed policies); `default` is
 * added unless `no_default_policy`; `no_parent`, `period` and a custom `id` need root; a role
 * contributes orphan/renewable/period/explicit max/num_uses/path suffix/token type; `type=batch`
 * mints a batch token (no num_uses, period or explicit max; never root; a batch parent cannot
 * create tokens at all).
 *
 * "Root or sudo" is the root policy, or sudo on the path when core gave the store a `hasSudo` check.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest } from '../../logical/backend.js';
import type { LogicalResponse } from '../../logical/response.js';
import { TokenFields } from './token-fields.js';
import { isSubset, policyListed, sanitizePolicies } from './token-policies.js';
import { type TokenRole, readRole } from './token-roles.js';
import type { CreateTokenParams, TokenStorePort } from './token-store-port.js';
import { tokenAuth } from './token-views.js';

/** Which create endpoint was called. */
export type CreateMode = 'create' | 'orphan' | 'role';

function badRequest(message: string): never {
  throw new ArcaError('invalid_request', message);
}

/** Vault's display name: `token-<name>` with anything outside [A-Za-z0-9-] replaced by '-'. */
export function tokenDisplayName(name: string): string {
  if (name === '') return 'token';
  return `token-${name}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+$/, '');
}

/** Normalises the mount point to `auth/token/` form. */
export function mountPrefix(request: Pick<BackendRequest, 'mountPoint'>): string {
  const mount = request.mountPoint || 'auth/token/';
  return mount.endsWith('/') ? mount : `${mount}/`;
}

/** The token type a create request asks for, after the role's `token_type` (Vault's rules). */
export function resolveTokenType(requested: string, role: TokenRole | undefined): 'service' | 'batch' {
  let type = requested;
  switch (role?.tokenType) {
    case 'default-batch':
      if (type === '') type = 'batch';
      break;
    case 'service':
    case 'batch':
      type = role.tokenType;
      break;
    default:
  }
  if (type === '' || type === 'service') return 'service';
  if (type === 'batch') return 'batch';
  throw new ArcaError('invalid_request', "invalid 'token_type' value");
}

/** Vault's refusal of fields a batch token cannot carry (the first one set, in Vault's order). */
function checkBatchFields(explicitMaxSeconds: number, numUses: number, periodSeconds: number): void {
  const bad =
    explicitMaxSeconds !== 0
      ? 'explicit_max_ttl'
      : numUses !== 0
        ? 'num_uses'
        : periodSeconds !== 0
          ? 'period'
          : undefined;
  if (bad !== undefined) badRequest(`batch tokens cannot have "${bad}" set`);
}

/** Handles the three create endpoints. */
export async function handleCreate(
  store: TokenStorePort,
  request: BackendRequest,
  mode: CreateMode,
): Promise<LogicalResponse> {
  const f = new TokenFields(request);
  const callerPolicies = request.auth?.policies ?? [];
  const isRoot = await store.isPrivileged(callerPolicies, `${mountPrefix(request)}${request.path}`);
  const warnings: string[] = [];

  if (request.auth?.tokenType === 'batch') badRequest('batch tokens cannot create more tokens');
  const parentIdHash = request.auth?.tokenIdHash ?? '';
  const parent = parentIdHash === '' ? undefined : await store.lookupByIdHash(parentIdHash);
  if (!parent) badRequest('parent token lookup failed: no parent found');
  if (parent.numUses !== 0) badRequest('restricted use token cannot generate child tokens');

  let role: TokenRole | undefined;
  if (mode === 'role') {
    const roleName = f.string('role_name').toLowerCase();
    role = await readRole(store.roleStorage, roleName);
    if (!role) badRequest(`unknown role ${roleName}`);
  }

  const tokenType = resolveTokenType(f.string('type').trim().toLowerCase(), role);
  if (tokenType === 'batch') {
    checkBatchFields(f.durationSeconds('explicit_max_ttl'), f.int('num_uses'), f.durationSeconds('period'));
  }

  const id = f.string('id');
  if (id !== '') {
    if (!isRoot) badRequest('root or sudo privileges required to specify token id');
    if (id.includes('.')) badRequest('token IDs can not contain periods');
  }

  const numUsesRequested = f.int('num_uses');
  if (numUsesRequested < 0) badRequest('number of uses cannot be negative');
  let numUses = numUsesRequested;
  if (role && role.tokenNumUses > 0 && (numUses === 0 || role.tokenNumUses < numUses))
    numUses = role.tokenNumUses;

  let orphan = mode === 'orphan' || (role?.orphan ?? false);
  if (f.bool('no_parent', false) && !orphan) {
    if (!isRoot) badRequest('root or sudo privileges required to create orphan token');
    orphan = true;
  }

  const noDefaultPolicy = f.bool('no_default_policy', false);
  const requested = sanitizePolicies(f.stringList('policies'), false);
  const parentPolicies = sanitizePolicies(parent.policies, false);
  const policies = role
    ? rolePolicies(role, requested, parentPolicies, noDefaultPolicy, isRoot)
    : plainPolicies(requested, parentPolicies, noDefaultPolicy, isRoot);
  // "Root or sudo" lifts the subset rule, but sudo must never mint root: only a root parent may.
  if (policies.includes('root') && !parent.policies.includes('root')) {
    badRequest('root tokens may not be created without parent token being root');
  }
  if (tokenType === 'batch' && policies.includes('root')) badRequest('batch tokens cannot be root tokens');

  let explicitMax = f.durationSeconds('explicit_max_ttl');
  let period = f.durationSeconds('period');
  if (period > 0 && !isRoot) badRequest('root or sudo privileges required to create periodic token');
  if (role && role.tokenExplicitMaxTtlSeconds > 0) {
    if (explicitMax === 0) explicitMax = role.tokenExplicitMaxTtlSeconds;
    else {
      explicitMax = Math.min(explicitMax, role.tokenExplicitMaxTtlSeconds);
      warnings.push(
        `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMax} seconds`,
      );
    }
  }
  if (role && role.tokenPeriodSeconds > 0) {
    if (period === 0) period = role.tokenPeriodSeconds;
    else {
      period = Math.min(period, role.tokenPeriodSeconds);
      warnings.push(
        `Period specified both during creation call and in role; using the lesser value of ${period} seconds`,
      );
    }
  }
  const ttl = f.has('ttl') ? f.durationSeconds('ttl') : f.durationSeconds('lease');

  const mount = mountPrefix(request);
  let path = `${mount}create`;
  if (mode === 'orphan') path = `${mount}create-orphan`;
  if (role) path = `${mount}create/${role.name}${role.pathSuffix ? `/${role.pathSuffix}` : ''}`;

  const params: CreateTokenParams = {
    policies,
    parentIdHash: orphan ? '' : parent.idHash,
    path,
    displayName: tokenDisplayName(f.string('display_name')),
    meta: f.stringMap('meta'),
    numUses: tokenType === 'batch' ? 0 : numUses,
    renewable: tokenType !== 'batch' && f.bool('renewable', true) && (role?.renewable ?? true),
    ttlSeconds: ttl,
    explicitMaxTtlSeconds: tokenType === 'batch' ? 0 : explicitMax,
    periodSeconds: tokenType === 'batch' ? 0 : period,
    type: tokenType,
  };
  if (role) params.role = role.name;
  if (id !== '') {
    if (tokenType === 'batch') badRequest('custom token ID cannot be set for batch tokens');
    params.id = id;
  }
  if (
    policies.includes('root') &&
    ttl === 0 &&
    period === 0 &&
    explicitMax === 0 &&
    parent.expireTimeMs !== 0
  ) {
    badRequest('expiring root tokens cannot create non-expiring root tokens');
  }
  const created = await store.createToken(params);
  warnings.push(...created.warnings);
  const response: LogicalResponse = {
    data: null,
    auth: tokenAuth(created.token, created.entry, created.entry.ttlSeconds),
  };
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}

function plainPolicies(
  requested: string[],
  parentPolicies: string[],
  noDefault: boolean,
  isRoot: boolean,
): string[] {
  const chosen = requested.length > 0 ? requested : parentPolicies;
  if (!isRoot) {
    if (!isSubset(parentPolicies, chosen)) badRequest('child policies must be subset of parent');
    return sanitizePolicies(chosen, !noDefault && parentPolicies.includes('default'));
  }
  return sanitizePolicies(chosen, !noDefault);
}

function rolePolicies(
  role: TokenRole,
  requested: string[],
  parentPolicies: string[],
  noDefault: boolean,
  isRoot: boolean,
): string[] {
  const disallowed = sanitizePolicies(role.disallowedPolicies, false);
  const addDefault =
    !role.tokenNoDefaultPolicy &&
    !noDefault &&
    !policyListed('default', disallowed, role.disallowedPoliciesGlob);
  let finalPolicies = requested.length > 0 ? sanitizePolicies(requested, addDefault) : [];
  if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
    const allowed = sanitizePolicies(role.allowedPolicies, addDefault);
    if (finalPolicies.length === 0) finalPolicies = allowed;
    else if (!finalPolicies.every((p) => policyListed(p, allowed, role.allowedPoliciesGlob))) {
      badRequest(
        `token policies (${JSON.stringify(finalPolicies)}) must be subset of the role's allowed policies (${JSON.stringify(allowed)})`,
      );
    }
  } else {
    if (finalPolicies.length === 0) finalPolicies = sanitizePolicies(parentPolicies, addDefault);
    if (!isRoot && !isSubset([...parentPolicies, 'default'], finalPolicies)) {
      badRequest('child policies must be subset of parent');
    }
  }
  for (const policy of finalPolicies) {
    if (policyListed(policy, disallowed, role.disallowedPoliciesGlob)) {
      badRequest(`token policy "${policy}" is disallowed by this role`);
    }
  }
  if (finalPolicies.includes('root') && !isRoot) badRequest('child policies must be subset of parent');
  return finalPolicies;
}
