/**
 * Login responses of auth methods (Vault's `handleLoginRequest` + `RegisterAuth`): a method's
 * login handler answers with a `LoginAuth` (who, which policies, which token settings); core mints
 * the token — engines never hold the token store. This file decides the token type (the login's
 * versus the mount's `token_type` tune), the TTL (the method's TTL/max/period against the mount's
 * and the system's TTLs, ./login-ttl.ts), sanitises the policies, and creates the token through
 * ONE function, `createTokenFromLogin`, whose `tokenType` parameter picks service or batch.
 */
import { ArcaError } from '../lib/errors.js';
import type { LoginAuth, LoginTokenType } from '../logical/login.js';
import type { LogicalResponse, ResponseAuth } from '../logical/response.js';
import { loginTokenTtl } from './login-ttl.js';
import type { MountEntry, MountTokenType } from './mount-table.js';
import type { SystemLeaseTtls } from './ttl.js';
import type { CreateTokenParams, CreatedToken, TokenStore } from './tokens/token-store.js';

/** The token a login gets once the mount's tune has been applied. */
export type IssuedTokenType = 'service' | 'batch';

/**
 * The type a login's token gets (Vault's router): a forced mount type (`service`/`batch`) wins;
 * otherwise the login's own type, and for `default` the mount's default (`default-service` when
 * the mount sets none).
 */
export function resolveLoginTokenType(
  login: LoginTokenType,
  mount: MountTokenType | undefined,
): IssuedTokenType {
  if (mount === 'service' || mount === 'batch') return mount;
  if (login !== 'default') return login;
  return mount === 'default-batch' ? 'batch' : 'service';
}

/** Policies no login may grant (Vault's `nonAssignablePolicies`). */
const nonAssignable = new Set(['response-wrapping', 'control-group']);

/**
 * Vault's `SanitizePolicies`: trimmed, lower-cased, deduplicated, sorted, with `default` added
 * unless the login says otherwise. `root` or an internal policy is a 400, as Vault.
 */
export function sanitizeLoginPolicies(policies: readonly string[], addDefault: boolean): string[] {
  const set = new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''));
  if (addDefault) set.add('default');
  for (const policy of set) {
    if (policy === 'root') throw new ArcaError('invalid_request', 'auth methods cannot create root tokens');
    if (nonAssignable.has(policy)) {
      throw new ArcaError('invalid_request', `cannot assign policy ${JSON.stringify(policy)}`);
    }
  }
  return [...set].sort();
}

/**
 * THE seam for every token a login creates: a service token, or a batch token (self-describing,
 * not stored: it carries no uses, period, explicit max or renew data, and is never renewable).
 * `params` are final (TTL computed, policies sanitised); callers never branch on the type.
 */
export async function createTokenFromLogin(
  tokens: TokenStore,
  params: CreateTokenParams,
  tokenType: IssuedTokenType,
): Promise<CreatedToken> {
  if (tokenType === 'batch') {
    const { internalData: _internal, ...rest } = params;
    return tokens.createToken({
      ...rest,
      type: 'batch',
      numUses: 0,
      periodSeconds: 0,
      explicitMaxTtlSeconds: 0,
      renewable: false,
    });
  }
  return tokens.createToken(params);
}

/** Where a login happened: its auth mount, the full request path, the system TTLs. */
export interface LoginSite {
  entry: MountEntry;
  /** Full path under /v1/ (`auth/userpass/login/bob`), the token's creation path. */
  path: string;
  system: SystemLeaseTtls;
}

/** The display name Vault gives a login token: the mount path with `-` for `/`, then the method's. */
export function loginDisplayName(entry: MountEntry, name: string): string {
  const source = entry.path.replace(/\//g, '-');
  return `${source}${name}`.replace(/-+$/, '');
}

/**
 * Mints the token for a login response and replaces `login` by Vault's `auth` block (with the
 * TTL-capping warnings). Login tokens are orphans.
 */
export async function mintLoginToken(
  tokens: TokenStore,
  response: LogicalResponse,
  site: LoginSite,
): Promise<LogicalResponse> {
  const login = response.login as LoginAuth;
  const tokenType = resolveLoginTokenType(login.tokenType, site.entry.config.tokenType);
  const ttl = loginTokenTtl(site.entry.config, site.system, login);
  const policies = sanitizeLoginPolicies(login.policies, !login.noDefaultPolicy);
  const created = await createTokenFromLogin(
    tokens,
    {
      policies,
      path: site.path,
      displayName: loginDisplayName(site.entry, login.displayName),
      meta: login.metadata,
      numUses: login.numUses,
      renewable: tokenType === 'service' && login.renewable,
      ttlSeconds: ttl.ttlSeconds,
      explicitMaxTtlSeconds: login.explicitMaxTtlSeconds,
      periodSeconds: login.periodSeconds,
      boundCidrs: login.boundCidrs,
      internalData: login.internalData,
    },
    tokenType,
  );
  const auth: ResponseAuth = {
    clientToken: created.token,
    accessor: created.accessor,
    policies: created.entry.policies,
    tokenPolicies: created.entry.policies,
    metadata: Object.keys(login.metadata).length === 0 ? null : { ...login.metadata },
    leaseDurationSeconds: created.entry.ttlSeconds,
    renewable: created.entry.renewable,
    entityId: created.entry.entityId,
    tokenType,
    orphan: true,
    numUses: created.entry.numUses,
  };
  const { login: _login, ...rest } = response;
  const warnings = [...(response.warnings ?? []), ...ttl.warnings, ...created.warnings];
  return { ...rest, ...(warnings.length > 0 ? { warnings } : {}), auth };
}
