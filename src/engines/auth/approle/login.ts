/**
 * AppRole login (Vault's `pathLoginUpdate`) and the renewal of its tokens. A secret id's use count
 * is spent under that secret id's lock, so N concurrent logins with a secret id of `num_uses` N
 * succeed exactly N times; its last use deletes it. Errors are Vault's texts: `missing role_id`,
 * `missing secret_id`, `invalid role or secret ID` (all 400), CIDR refusals naming the address.
 */
import { addressAllowed, cidrsWithin, normaliseRemoteAddress } from '../../../lib/cidr.js';
import { ArcaError } from '../../../lib/errors.js';
import type { BackendRequest, PathSpec } from '../../../logical/backend.js';
import type { LoginRenewRequest, LoginRenewResult } from '../../../logical/login.js';
import type { LogicalResponse } from '../../../logical/response.js';
import { loginWithTokenParams } from '../../../logical/tokenutil.js';
import type { ApproleState } from './state.js';
import {
  accessorKey,
  mountSalt,
  readRole,
  readSecretIdAt,
  roleNameForId,
  secretIdKey,
  secretIdPut,
  isExpired,
  type RoleEntry,
  type SecretIdEntry,
} from './store.js';

const invalid = 'invalid role or secret ID';

/** The role a login names, or Vault's 400. */
async function roleFor(req: BackendRequest, roleId: string): Promise<RoleEntry> {
  const name = await roleNameForId(req.storage, await mountSalt(req.storage), roleId);
  const role = name === undefined ? undefined : await readRole(req.storage, name);
  if (role === undefined) throw new ArcaError('invalid_request', invalid);
  return role;
}

/**
 * Validates and spends one use of the secret id (atomically per secret id). A missing or expired
 * secret id counts as invalid credentials (user lockout), as Vault.
 */
async function spendSecretId(
  state: ApproleState,
  req: BackendRequest,
  role: RoleEntry,
  secretId: string,
): Promise<SecretIdEntry> {
  const key = secretIdKey(role, secretId);
  const salt = await mountSalt(req.storage);
  const remove = (entry: SecretIdEntry) =>
    req.storage.batch([
      { type: 'delete', key },
      { type: 'delete', key: accessorKey(salt, entry.accessor) },
    ]);
  // Read, check and spend under the secret id's lock: a waiting login sees the spent state.
  const entry = await state.secretIdLock.run(key, async () => {
    const current = await readSecretIdAt(req.storage, key);
    if (current === undefined) return undefined;
    if (isExpired(current, state.clock.wallMs())) {
      await remove(current);
      return undefined;
    }
    if (current.numUses === 1) await remove(current);
    if (current.numUses > 1) {
      const next = { ...current, numUses: current.numUses - 1, lastUpdatedMs: state.clock.wallMs() };
      await req.storage.batch([secretIdPut(key, next)]);
    }
    return current;
  });
  if (entry === undefined) throw new ArcaError('invalid_credentials', invalid);
  return entry;
}

function checkCidrs(req: BackendRequest, role: RoleEntry, entry: SecretIdEntry | undefined): void {
  const address = normaliseRemoteAddress(req.remoteAddress ?? '');
  if (entry !== undefined && entry.cidrList.length > 0) {
    if (!cidrsWithin(entry.cidrList, role.secretIdBoundCidrs)) {
      throw new ArcaError('invalid_request', 'failed to verify the CIDR restrictions set on the secret ID');
    }
    if (!addressAllowed(address, entry.cidrList)) {
      throw new ArcaError(
        'invalid_request',
        `source address "${address}" unauthorized through CIDR restrictions on the secret ID`,
      );
    }
  }
  if (role.secretIdBoundCidrs.length > 0 && !addressAllowed(address, role.secretIdBoundCidrs)) {
    throw new ArcaError(
      'invalid_request',
      `source address "${address}" unauthorized by CIDR restrictions on the role`,
    );
  }
}

async function login(state: ApproleState, req: BackendRequest): Promise<LogicalResponse> {
  const roleId = (req.fields.get<string>('role_id') ?? '').trim();
  if (roleId === '') throw new ArcaError('invalid_request', 'missing role_id');
  const role = await roleFor(req, roleId);
  let entry: SecretIdEntry | undefined;
  if (role.bindSecretId) {
    const secretId = (req.fields.get<string>('secret_id') ?? '').trim();
    if (secretId === '') throw new ArcaError('invalid_request', 'missing secret_id');
    entry = await spendSecretId(state, req, role, secretId);
  }
  checkCidrs(req, role, entry);
  const metadata = { ...(entry?.metadata ?? {}), role_name: role.name };
  const tokenCidrs =
    entry !== undefined && entry.tokenBoundCidrs.length > 0 ? entry.tokenBoundCidrs : undefined;
  return {
    login: loginWithTokenParams(role.token, {
      metadata,
      displayName: '',
      alias: { name: role.roleId, metadata },
      internalData: { role_name: role.name },
      ...(tokenCidrs === undefined ? {} : { boundCidrs: [...tokenCidrs] }),
    }),
  };
}

/** `login` (unauthenticated; its lockout alias is the role id, as Vault). */
export function loginPath(state: ApproleState): PathSpec {
  return {
    pattern: 'login',
    unauthenticated: true,
    fields: { role_id: { type: 'string' }, secret_id: { type: 'string', default: '' } },
    loginAlias: async (req) => (req.fields.get<string>('role_id') ?? '').trim(),
    operations: { update: (req) => login(state, req) },
    help: 'Issue a token based on the credentials supplied.',
  };
}

/** Vault's `pathLoginRenew`: the role must still exist; its current token settings apply. */
export async function renewLogin(req: LoginRenewRequest): Promise<LoginRenewResult> {
  const name = req.internalData.role_name ?? '';
  if (name === '') throw new ArcaError('invalid_request', 'failed to fetch role_name during renewal');
  const role = await readRole(req.storage, name);
  if (role === undefined)
    throw new ArcaError('invalid_request', `role "${name}" does not exist during renewal`);
  return {
    ttlSeconds: role.token.tokenTtlSeconds,
    maxTtlSeconds: role.token.tokenMaxTtlSeconds,
    periodSeconds: role.token.tokenPeriodSeconds,
  };
}
