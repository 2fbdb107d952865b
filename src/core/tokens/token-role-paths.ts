/**
 * `auth/token/roles` (LIST) and `auth/token/roles/<name>` (read, create/update, delete). An update
 * keeps the fields the request does not name (Vault's behaviour). `token_bound_cidrs` is refused
 * rather than silently stored unenforced (this server does not bind tokens to CIDRs), and batch
 * token types are refused.
 */
import { ArcaError } from '../../lib/errors.js';
import type { BackendRequest } from '../../logical/backend.js';
import { type LogicalResponse, noContent } from '../../logical/response.js';
import { TokenFields } from './token-fields.js';
import { sanitizePolicies } from './token-policies.js';
import {
  type TokenRole,
  defaultRole,
  deleteRole,
  listRoles,
  readRole,
  roleResponseData,
  writeRole,
} from './token-roles.js';
import type { TokenStorePort } from './token-store-port.js';

function roleName(request: BackendRequest): string {
  return new TokenFields(request).string('role_name').toLowerCase();
}

/** Whether the role exists (the POST create-vs-update existence check). */
export async function roleExists(store: TokenStorePort, request: BackendRequest): Promise<boolean> {
  return (await readRole(store.roleStorage, roleName(request))) !== undefined;
}

/** `GET roles/<name>`: 404 with no errors when missing, as Vault. */
export async function handleReadRole(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const role = await readRole(store.roleStorage, roleName(request));
  if (!role) throw new ArcaError('not_found');
  return { data: roleResponseData(role) };
}

/** `LIST roles/`. */
export async function handleListRoles(store: TokenStorePort): Promise<LogicalResponse> {
  return { data: { keys: await listRoles(store.roleStorage) } };
}

/** `DELETE roles/<name>`. */
export async function handleDeleteRole(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  await deleteRole(store.roleStorage, roleName(request));
  return noContent;
}

/** `POST roles/<name>`: create, or update the named fields of an existing role. */
export async function handleWriteRole(
  store: TokenStorePort,
  request: BackendRequest,
): Promise<LogicalResponse> {
  const name = roleName(request);
  const f = new TokenFields(request);
  const role: TokenRole = (await readRole(store.roleStorage, name)) ?? defaultRole(name);
  role.name = name;
  const warnings: string[] = [];

  if (f.has('allowed_policies'))
    role.allowedPolicies = sanitizePolicies(f.stringList('allowed_policies'), false);
  if (f.has('disallowed_policies'))
    role.disallowedPolicies = sanitizePolicies(f.stringList('disallowed_policies'), false);
  if (f.has('allowed_policies_glob'))
    role.allowedPoliciesGlob = dedupe(f.stringList('allowed_policies_glob'));
  if (f.has('disallowed_policies_glob'))
    role.disallowedPoliciesGlob = dedupe(f.stringList('disallowed_policies_glob'));
  if (f.has('allowed_entity_aliases'))
    role.allowedEntityAliases = dedupe(f.stringList('allowed_entity_aliases'));
  if (f.has('orphan')) role.orphan = f.bool('orphan', false);
  if (f.has('renewable')) role.renewable = f.bool('renewable', true);
  if (f.has('path_suffix')) {
    const suffix = f.string('path_suffix').trim();
    if (suffix.includes('..'))
      throw new ArcaError('invalid_request', 'error registering path suffix: path suffix cannot contain ..');
    if (!/^[\w.\-/]*$/.test(suffix)) {
      throw new ArcaError(
        'invalid_field',
        'invalid value for field "path_suffix": only letters, digits, "_", "-", "." and "/" are allowed',
      );
    }
    role.pathSuffix = suffix.replace(/^\/+|\/+$/g, '');
  }
  for (const [field, legacy] of [
    ['token_period', 'period'],
    ['token_explicit_max_ttl', 'explicit_max_ttl'],
  ] as const) {
    const source = f.has(field) ? field : f.has(legacy) ? legacy : undefined;
    if (source === undefined) continue;
    const seconds = f.durationSeconds(source);
    if (field === 'token_period') role.tokenPeriodSeconds = seconds;
    else role.tokenExplicitMaxTtlSeconds = seconds;
  }
  if (
    role.tokenPeriodSeconds > 0 &&
    role.tokenExplicitMaxTtlSeconds > 0 &&
    role.tokenExplicitMaxTtlSeconds < role.tokenPeriodSeconds
  ) {
    warnings.push(
      'Given explicit max TTL is less than the period; tokens created from this role will be capped at the explicit max TTL',
    );
  }
  if (f.has('token_no_default_policy')) role.tokenNoDefaultPolicy = f.bool('token_no_default_policy', false);
  if (f.has('token_num_uses')) {
    const uses = f.int('token_num_uses');
    if (uses < 0)
      throw new ArcaError(
        'invalid_field',
        'invalid value for field "token_num_uses": must be zero or positive',
      );
    role.tokenNumUses = uses;
  }
  if (f.has('token_type')) role.tokenType = roleTokenType(f.string('token_type').trim().toLowerCase());
  if (role.tokenType === 'batch') checkBatchRole(role);
  for (const field of ['token_bound_cidrs', 'bound_cidrs']) {
    if (f.stringList(field).length > 0) {
      throw new ArcaError(
        'invalid_request',
        `${field} is not supported by this server (tokens are not bound to CIDRs)`,
      );
    }
  }
  await writeRole(store.roleStorage, role);
  return warnings.length > 0 ? { warnings } : noContent;
}

/** A role's `token_type` (Vault: `default` means `default-service`). */
function roleTokenType(value: string): TokenRole['tokenType'] {
  if (value === '' || value === 'default' || value === 'default-service') return 'default-service';
  if (value === 'service' || value === 'batch' || value === 'default-batch') return value;
  throw new ArcaError('invalid_request', `invalid 'token_type' value ${JSON.stringify(value.slice(0, 64))}`);
}

/** Vault's checks of a role that always issues batch tokens. */
function checkBatchRole(role: TokenRole): void {
  const refuse = (what: string): never => {
    throw new ArcaError(
      'invalid_request',
      `'token_type' cannot be 'batch' when role is set to generate ${what}`,
    );
  };
  if (!role.orphan) refuse('non-orphan tokens');
  if (role.tokenPeriodSeconds !== 0) refuse('periodic tokens');
  if (role.renewable) refuse('renewable tokens');
  if (role.tokenExplicitMaxTtlSeconds !== 0) refuse('tokens with an explicit max TTL');
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)].sort();
}
