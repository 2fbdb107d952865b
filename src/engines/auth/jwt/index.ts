/**
 * The JWT auth method (`jwt`, Vault's vault-plugin-auth-jwt in its `jwt` role type): `config`
 * names where signing keys come from, `role/<name>` what a token must assert and what Vault token
 * it earns, and `login` (`jwt`, `role`) verifies the signature (jose, ./keys.ts), the claims
 * (./claims.ts) and answers a `LoginAuth` for core to mint. Errors are Vault's 400s with its text.
 * The OIDC browser flow (`oidc/auth_url`, `oidc/callback`) is not served.
 */
import { ArcaError } from '../../../lib/errors.js';
import type { Clock } from '../../../lib/clock.js';
import type { BackendFactory, BackendRequest, PathSpec } from '../../../logical/backend.js';
import { noContent, type LogicalResponse } from '../../../logical/response.js';
import type { StorageView } from '../../../logical/storage-view.js';
import { legacyTokenFieldSpecs, loginWithTokenParams, tokenFieldSpecs } from '../../../logical/tokenutil.js';
import {
  ClaimError,
  checkUnboundAudience,
  groupNames,
  mappedMetadata,
  userName,
  validateBoundClaims,
  validateRegisteredClaims,
} from './claims.js';
import {
  type KeySet,
  SignatureError,
  defaultAlgorithms,
  discoverJwksUri,
  parsePublicKeys,
  remoteKeySet,
  staticKeySet,
} from './keys.js';
import {
  type JwtConfig,
  configData,
  configFromFields,
  readConfig,
  readRole,
  roleData,
  roleFromFields,
  writeJson,
} from './settings.js';

function bad(message: string): never {
  throw new ArcaError('invalid_request', message);
}

/** The key set of the current config, rebuilt when the config changes (remote sets keep their cache). */
class KeySetCache {
  private current?: { fingerprint: string; keys: Promise<KeySet> };

  get(config: JwtConfig): Promise<KeySet> {
    const fingerprint = JSON.stringify([
      config.jwtValidationPubkeys,
      config.jwksUrl,
      config.oidcDiscoveryUrl,
    ]);
    if (this.current?.fingerprint !== fingerprint) {
      const keys = build(config);
      // A failed discovery is retried on the next login rather than cached.
      keys.catch(() => {
        if (this.current?.keys === keys) this.current = undefined;
      });
      this.current = { fingerprint, keys };
    }
    return this.current.keys;
  }
}

async function build(config: JwtConfig): Promise<KeySet> {
  if (config.jwtValidationPubkeys.length > 0)
    return staticKeySet(parsePublicKeys(config.jwtValidationPubkeys));
  if (config.jwksUrl !== '') return remoteKeySet(config.jwksUrl);
  return remoteKeySet(await discoverJwksUri(config.oidcDiscoveryUrl));
}

async function writeConfig(request: BackendRequest): Promise<LogicalResponse> {
  const config = configFromFields(request.fields);
  try {
    if (config.jwtValidationPubkeys.length > 0) parsePublicKeys(config.jwtValidationPubkeys);
    else if (config.oidcDiscoveryUrl !== '') await discoverJwksUri(config.oidcDiscoveryUrl);
  } catch (err) {
    if (err instanceof SignatureError)
      bad(err.message.startsWith('error parsing') ? err.message : 'error checking oidc discovery URL');
    bad('error checking oidc discovery URL');
  }
  await writeJson(request.storage, 'config', config);
  return noContent;
}

async function login(request: BackendRequest, cache: KeySetCache, clock: Clock): Promise<LogicalResponse> {
  const config = await readConfig(request.storage);
  if (config === undefined) bad('could not load configuration');
  const roleName = (request.fields.get<string>('role') ?? '').toLowerCase() || config.defaultRole;
  if (roleName === '') bad('missing role');
  const role = await readRole(request.storage, roleName);
  if (role === undefined) bad(`role ${JSON.stringify(roleName)} could not be found`);
  if (role.roleType === 'oidc') bad('role with oidc role_type is not allowed');
  const token = request.fields.get<string>('jwt') ?? '';
  if (token === '') bad('missing token');

  let claims: Record<string, unknown>;
  try {
    const keys = await cache.get(config);
    const algorithms = config.jwtSupportedAlgs.length > 0 ? config.jwtSupportedAlgs : defaultAlgorithms;
    claims = await keys.verify(token, algorithms);
    validateRegisteredClaims(
      claims,
      { ...role, boundIssuer: config.boundIssuer },
      Math.floor(clock.wallMs() / 1000),
    );
  } catch (err) {
    if (err instanceof SignatureError || err instanceof ClaimError)
      bad(`error validating token: ${err.message}`);
    throw err;
  }
  try {
    checkUnboundAudience(claims, role.boundAudiences);
    const user = userName(claims, role.userClaim);
    const metadata = { ...mappedMetadata(claims, role.claimMappings), role: roleName };
    if (role.groupsClaim !== '') groupNames(claims, role.groupsClaim);
    try {
      validateBoundClaims(claims, role.boundClaims, role.boundClaimsType === 'glob');
    } catch (err) {
      if (err instanceof ClaimError) bad(`error validating claims: ${err.message}`);
      throw err;
    }
    return {
      login: loginWithTokenParams(role.token, {
        displayName: user,
        metadata,
        alias: { name: user, metadata },
        internalData: { role: roleName },
      }),
    };
  } catch (err) {
    if (err instanceof ClaimError) bad(err.message);
    throw err;
  }
}

async function roleNames(storage: StorageView): Promise<string[]> {
  return (await storage.list('role/')).filter((k) => !k.endsWith('/')).sort();
}

/** The `jwt` auth method factory. */
export const jwtAuthFactory: BackendFactory = async (backendConfig) => {
  const cache = new KeySetCache();
  const clock = backendConfig.clock;
  const str = { type: 'string' as const };
  const list = { type: 'string_list' as const };
  const paths: PathSpec[] = [
    {
      pattern: 'config',
      fields: {
        jwt_validation_pubkeys: list,
        jwks_url: str,
        oidc_discovery_url: str,
        bound_issuer: str,
        default_role: str,
        jwt_supported_algs: list,
        oidc_client_id: str,
        oidc_client_secret: str,
        jwks_ca_pem: str,
        oidc_discovery_ca_pem: str,
      },
      operations: {
        read: async (req) => {
          const config = await readConfig(req.storage);
          return config === undefined ? noContent : { data: configData(config) };
        },
        update: (req) => writeConfig(req),
        create: (req) => writeConfig(req),
      },
    },
    {
      pattern: 'role/?',
      operations: { list: async (req) => ({ data: { keys: await roleNames(req.storage) } }) },
    },
    {
      pattern: 'role/(?<name>[^/]+)',
      fields: {
        role_type: str,
        bound_audiences: list,
        bound_subject: str,
        bound_claims: { type: 'map' },
        bound_claims_type: str,
        claim_mappings: { type: 'key_value_map' },
        user_claim: str,
        user_claim_json_pointer: { type: 'bool' },
        groups_claim: str,
        clock_skew_leeway: { type: 'raw' },
        expiration_leeway: { type: 'raw' },
        not_before_leeway: { type: 'raw' },
        allowed_redirect_uris: list,
        oidc_scopes: list,
        verbose_oidc_logging: { type: 'bool' },
        max_age: { type: 'raw' },
        ...tokenFieldSpecs,
        ...legacyTokenFieldSpecs,
      },
      existenceCheck: async (req) =>
        (await readRole(req.storage, (req.params.name ?? '').toLowerCase())) !== undefined,
      operations: {
        read: async (req) => {
          const role = await readRole(req.storage, (req.params.name ?? '').toLowerCase());
          if (role === undefined) throw new ArcaError('not_found');
          return { data: roleData(role) };
        },
        create: (req) => writeRole(req),
        update: (req) => writeRole(req),
        delete: async (req) => {
          await req.storage.delete(`role/${(req.params.name ?? '').toLowerCase()}`);
          return noContent;
        },
      },
    },
    {
      pattern: 'login',
      unauthenticated: true,
      fields: { role: str, jwt: str, distributed_claim_access_token: str },
      operations: { update: (req) => login(req, cache, clock), create: (req) => login(req, cache, clock) },
    },
  ];
  return {
    type: 'jwt',
    paths,
    renewLogin: async (req) => {
      const name = req.internalData.role ?? '';
      const role = name === '' ? undefined : await readRole(req.storage, name);
      if (role === undefined) bad(`role ${name} does not exist during renewal`);
      return {
        ttlSeconds: role.token.tokenTtlSeconds,
        maxTtlSeconds: role.token.tokenMaxTtlSeconds,
        periodSeconds: role.token.tokenPeriodSeconds,
      };
    },
  };
};

async function writeRole(request: BackendRequest): Promise<LogicalResponse> {
  const name = (request.params.name ?? '').toLowerCase();
  const role = roleFromFields(request.fields, await readRole(request.storage, name));
  await writeJson(request.storage, `role/${name}`, role);
  return noContent;
}
