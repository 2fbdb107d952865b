/**
 * The stored shapes of the JWT auth method — its config (`config`) and roles (`role/<name>`) —
 * with Vault's field names, defaults and validation messages (vault-plugin-auth-jwt path_config.go
 * and path_role.go). OIDC client settings are stored and shown so `vault write auth/jwt/config`
 * round-trips, but the OIDC browser flow itself is not served.
 */
import { ArcaError } from '../../../lib/errors.js';
import { parseDurationSeconds } from '../../../lib/durations.js';
import type { FieldReader } from '../../../logical/backend.js';
import type { StorageView } from '../../../logical/storage-view.js';
import {
  type TokenParams,
  defaultTokenParams,
  parseTokenFields,
  storedTokenParams,
  tokenParamsData,
} from '../../../logical/tokenutil.js';
import { defaultLeewaySeconds, defaultClockSkewSeconds } from './claims.js';
import { defaultAlgorithms } from './keys.js';

/** `auth/<mount>/config`. */
export interface JwtConfig {
  jwtValidationPubkeys: string[];
  jwksUrl: string;
  oidcDiscoveryUrl: string;
  boundIssuer: string;
  defaultRole: string;
  jwtSupportedAlgs: string[];
  oidcClientId: string;
  oidcClientSecret: string;
}

/** `auth/<mount>/role/<name>`. */
export interface JwtRole {
  roleType: 'jwt' | 'oidc';
  boundAudiences: string[];
  boundSubject: string;
  boundClaims: Record<string, unknown>;
  boundClaimsType: 'string' | 'glob';
  claimMappings: Record<string, string>;
  userClaim: string;
  userClaimJsonPointer: boolean;
  groupsClaim: string;
  clockSkewLeewaySeconds: number;
  expirationLeewaySeconds: number;
  notBeforeLeewaySeconds: number;
  allowedRedirectUris: string[];
  oidcScopes: string[];
  token: TokenParams;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bad(message: string): never {
  throw new ArcaError('invalid_request', message);
}

async function readJson(storage: StorageView, key: string): Promise<Record<string, unknown> | undefined> {
  const bytes = await storage.get(key);
  if (bytes === undefined) return undefined;
  const parsed: unknown = JSON.parse(decoder.decode(bytes));
  if (typeof parsed !== 'object' || parsed === null)
    throw new ArcaError('integrity_failure', `${key} is malformed`);
  return parsed as Record<string, unknown>;
}

/** Stores `value` as JSON under `key`. */
export async function writeJson(storage: StorageView, key: string, value: unknown): Promise<void> {
  await storage.put(key, encoder.encode(JSON.stringify(value)));
}

const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);

/** The stored config, or undefined before `config` was written. */
export async function readConfig(storage: StorageView): Promise<JwtConfig | undefined> {
  const raw = await readJson(storage, 'config');
  if (raw === undefined) return undefined;
  return {
    jwtValidationPubkeys: strs(raw.jwtValidationPubkeys),
    jwksUrl: text(raw.jwksUrl),
    oidcDiscoveryUrl: text(raw.oidcDiscoveryUrl),
    boundIssuer: text(raw.boundIssuer),
    defaultRole: text(raw.defaultRole),
    jwtSupportedAlgs: strs(raw.jwtSupportedAlgs),
    oidcClientId: text(raw.oidcClientId),
    oidcClientSecret: text(raw.oidcClientSecret),
  };
}

/** The config from a write (Vault replaces it whole); throws Vault's messages on bad input. */
export function configFromFields(f: FieldReader): JwtConfig {
  const config: JwtConfig = {
    jwtValidationPubkeys: f.get<string[]>('jwt_validation_pubkeys') ?? [],
    jwksUrl: f.get<string>('jwks_url') ?? '',
    oidcDiscoveryUrl: f.get<string>('oidc_discovery_url') ?? '',
    boundIssuer: f.get<string>('bound_issuer') ?? '',
    defaultRole: (f.get<string>('default_role') ?? '').toLowerCase(),
    jwtSupportedAlgs: f.get<string[]>('jwt_supported_algs') ?? [],
    oidcClientId: f.get<string>('oidc_client_id') ?? '',
    oidcClientSecret: f.get<string>('oidc_client_secret') ?? '',
  };
  const sources = [
    config.jwtValidationPubkeys.length > 0,
    config.jwksUrl !== '',
    config.oidcDiscoveryUrl !== '',
  ];
  if (sources.filter(Boolean).length !== 1) {
    bad(
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set",
    );
  }
  if ((config.oidcClientId === '') !== (config.oidcClientSecret === '')) {
    bad("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  }
  const unknown = config.jwtSupportedAlgs.filter((a) => !defaultAlgorithms.includes(a));
  if (unknown.length > 0) bad(`invalid jwt_supported_algs: unsupported signing algorithm "${unknown[0]}"`);
  return config;
}

/** `GET config` (the client secret is never shown). */
export function configData(c: JwtConfig): Record<string, unknown> {
  return {
    bound_issuer: c.boundIssuer,
    default_role: c.defaultRole,
    jwks_url: c.jwksUrl,
    jwt_supported_algs: c.jwtSupportedAlgs,
    jwt_validation_pubkeys: c.jwtValidationPubkeys,
    oidc_client_id: c.oidcClientId,
    oidc_discovery_url: c.oidcDiscoveryUrl,
  };
}

/** A role as stored, or undefined. */
export async function readRole(storage: StorageView, name: string): Promise<JwtRole | undefined> {
  const raw = await readJson(storage, `role/${name}`);
  if (raw === undefined) return undefined;
  return {
    roleType: raw.roleType === 'oidc' ? 'oidc' : 'jwt',
    boundAudiences: strs(raw.boundAudiences),
    boundSubject: text(raw.boundSubject),
    boundClaims: (raw.boundClaims as Record<string, unknown> | undefined) ?? {},
    boundClaimsType: raw.boundClaimsType === 'glob' ? 'glob' : 'string',
    claimMappings: (raw.claimMappings as Record<string, string> | undefined) ?? {},
    userClaim: text(raw.userClaim),
    userClaimJsonPointer: raw.userClaimJsonPointer === true,
    groupsClaim: text(raw.groupsClaim),
    clockSkewLeewaySeconds: int(raw.clockSkewLeewaySeconds, defaultClockSkewSeconds),
    expirationLeewaySeconds: int(raw.expirationLeewaySeconds, defaultLeewaySeconds),
    notBeforeLeewaySeconds: int(raw.notBeforeLeewaySeconds, defaultLeewaySeconds),
    allowedRedirectUris: strs(raw.allowedRedirectUris),
    oidcScopes: strs(raw.oidcScopes),
    token: storedTokenParams(raw.token),
  };
}

function signedSeconds(f: FieldReader, name: string, current: number): number {
  if (!f.has(name)) return current;
  return parseDurationSeconds(f.get<unknown>(name), name, true);
}

/** Applies a role write to `current` (or Vault's defaults); throws Vault's messages. */
export function roleFromFields(f: FieldReader, current: JwtRole | undefined): JwtRole {
  const roleTypeText = f.get<string>('role_type') ?? '';
  const roleType = roleTypeText === '' ? (current?.roleType ?? 'oidc') : roleTypeText;
  if (roleType !== 'jwt' && roleType !== 'oidc') bad(`invalid 'role_type': ${roleType}`);
  const boundClaimsType = f.get<string>('bound_claims_type') ?? current?.boundClaimsType ?? 'string';
  if (boundClaimsType !== 'string' && boundClaimsType !== 'glob') {
    bad(`invalid 'bound_claims_type': ${boundClaimsType}`);
  }
  const role: JwtRole = {
    roleType,
    boundAudiences: f.has('bound_audiences')
      ? (f.get<string[]>('bound_audiences') ?? [])
      : (current?.boundAudiences ?? []),
    boundSubject: f.has('bound_subject')
      ? (f.get<string>('bound_subject') ?? '')
      : (current?.boundSubject ?? ''),
    boundClaims: f.has('bound_claims')
      ? (f.get<Record<string, unknown>>('bound_claims') ?? {})
      : (current?.boundClaims ?? {}),
    boundClaimsType,
    claimMappings: f.has('claim_mappings')
      ? (f.get<Record<string, string>>('claim_mappings') ?? {})
      : (current?.claimMappings ?? {}),
    userClaim: f.has('user_claim') ? (f.get<string>('user_claim') ?? '') : (current?.userClaim ?? 'sub'),
    userClaimJsonPointer: f.has('user_claim_json_pointer')
      ? f.get<boolean>('user_claim_json_pointer') === true
      : (current?.userClaimJsonPointer ?? false),
    groupsClaim: f.has('groups_claim') ? (f.get<string>('groups_claim') ?? '') : (current?.groupsClaim ?? ''),
    clockSkewLeewaySeconds: signedSeconds(
      f,
      'clock_skew_leeway',
      current?.clockSkewLeewaySeconds ?? defaultClockSkewSeconds,
    ),
    expirationLeewaySeconds: signedSeconds(
      f,
      'expiration_leeway',
      current?.expirationLeewaySeconds ?? defaultLeewaySeconds,
    ),
    notBeforeLeewaySeconds: signedSeconds(
      f,
      'not_before_leeway',
      current?.notBeforeLeewaySeconds ?? defaultLeewaySeconds,
    ),
    allowedRedirectUris: f.has('allowed_redirect_uris')
      ? (f.get<string[]>('allowed_redirect_uris') ?? [])
      : (current?.allowedRedirectUris ?? []),
    oidcScopes: f.has('oidc_scopes') ? (f.get<string[]>('oidc_scopes') ?? []) : (current?.oidcScopes ?? []),
    token: parseTokenFields(current?.token ?? defaultTokenParams(), f),
  };
  if (role.boundClaimsType === 'glob') {
    for (const value of Object.values(role.boundClaims)) {
      const list = Array.isArray(value) ? value : [value];
      for (const item of list) if (typeof item !== 'string') bad(`claim is not a string: ${String(item)}`);
    }
  }
  const targets = new Set<string>();
  for (const target of Object.values(role.claimMappings)) {
    if (target === 'role') bad(`metadata key "role" is reserved and may not be a mapping destination`);
    if (targets.has(target)) bad(`multiple keys are mapped to metadata key ${JSON.stringify(target)}`);
    targets.add(target);
  }
  if (role.userClaim === '') bad('a user claim must be defined on the role');
  if (role.roleType === 'oidc' && role.allowedRedirectUris.length === 0) {
    bad("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  if (
    role.roleType === 'jwt' &&
    role.boundAudiences.length === 0 &&
    role.token.tokenBoundCidrs.length === 0 &&
    role.boundSubject === '' &&
    Object.keys(role.boundClaims).length === 0
  ) {
    bad('must have at least one bound constraint when creating/updating a role');
  }
  return role;
}

/** `GET role/<name>`. */
export function roleData(r: JwtRole): Record<string, unknown> {
  return {
    role_type: r.roleType,
    bound_audiences: r.boundAudiences,
    bound_subject: r.boundSubject,
    bound_claims: Object.keys(r.boundClaims).length === 0 ? null : r.boundClaims,
    bound_claims_type: r.boundClaimsType,
    claim_mappings: Object.keys(r.claimMappings).length === 0 ? null : r.claimMappings,
    user_claim: r.userClaim,
    user_claim_json_pointer: r.userClaimJsonPointer,
    groups_claim: r.groupsClaim,
    clock_skew_leeway: r.clockSkewLeewaySeconds,
    expiration_leeway: r.expirationLeewaySeconds,
    not_before_leeway: r.notBeforeLeewaySeconds,
    allowed_redirect_uris: r.allowedRedirectUris,
    oidc_scopes: r.oidcScopes,
    ...tokenParamsData(r.token),
  };
}
