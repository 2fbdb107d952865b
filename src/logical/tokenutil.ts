/**
 * The token fields every auth-method role or user carries (Vault's `sdk/helper/tokenutil`), in one
 * place: their field specs, parsing (with Vault's validation messages and the legacy `policies`,
 * `ttl`, `max_ttl`, `period`, `bound_cidrs` names), their rendering in role reads, and applying
 * them to a login. Durations are whole seconds.
 */
import { ArcaError } from '../lib/errors.js';
import { parseCidrList } from '../lib/cidr.js';
import type { FieldReader, FieldSpec } from './backend.js';
import { newLoginAuth, type LoginAuth, type LoginTokenType } from './login.js';

/** A role's or user's token settings (Vault's `TokenParams`). */
export interface TokenParams {
  tokenBoundCidrs: string[];
  tokenExplicitMaxTtlSeconds: number;
  tokenMaxTtlSeconds: number;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenPeriodSeconds: number;
  tokenPolicies: string[];
  tokenType: LoginTokenType;
  tokenTtlSeconds: number;
}

/** Vault's zero values (type `default`: the mount's `token_type` tune decides). */
export function defaultTokenParams(): TokenParams {
  return {
    tokenBoundCidrs: [],
    tokenExplicitMaxTtlSeconds: 0,
    tokenMaxTtlSeconds: 0,
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenPeriodSeconds: 0,
    tokenPolicies: [],
    tokenType: 'default',
    tokenTtlSeconds: 0,
  };
}

/** The `token_*` field specs, to spread into a role's or user's path fields. */
export const tokenFieldSpecs: Record<string, FieldSpec> = {
  token_bound_cidrs: { type: 'string_list' },
  token_explicit_max_ttl: { type: 'duration' },
  token_max_ttl: { type: 'duration' },
  token_no_default_policy: { type: 'bool' },
  token_num_uses: { type: 'int' },
  token_period: { type: 'duration' },
  token_policies: { type: 'string_list' },
  token_type: { type: 'string' },
  token_ttl: { type: 'duration' },
};

/** The deprecated names (`policies` → `token_policies`, ...), accepted when the new one is absent. */
export const legacyTokenFieldSpecs: Record<string, FieldSpec> = {
  policies: { type: 'string_list' },
  ttl: { type: 'duration' },
  max_ttl: { type: 'duration' },
  period: { type: 'duration' },
  bound_cidrs: { type: 'string_list' },
};

const legacyNames: Record<string, string> = {
  token_policies: 'policies',
  token_ttl: 'ttl',
  token_max_ttl: 'max_ttl',
  token_period: 'period',
  token_bound_cidrs: 'bound_cidrs',
};

/** The new field's value, else its legacy alias's (Vault's `UpgradeValue`), else undefined. */
function read<T>(fields: FieldReader, name: string): T | undefined {
  if (fields.has(name)) return fields.get<T>(name);
  const legacy = legacyNames[name];
  if (legacy !== undefined && fields.has(legacy)) return fields.get<T>(legacy);
  return undefined;
}

function bad(message: string): never {
  throw new ArcaError('invalid_request', message);
}

/** Parses `token_type` as Vault's ParseTokenFields: "", default, service, batch. */
export function parseTokenType(text: string): LoginTokenType {
  switch (text) {
    case '':
    case 'default':
      return 'default';
    case 'service':
    case 'batch':
      return text;
    default:
      return bad(`invalid 'token_type' value ${JSON.stringify(text)}`);
  }
}

/**
 * The settings after applying the fields the request sent to `current` (fields not sent keep
 * their value, as Vault's update). Throws 400 with Vault's messages for negative values, a TTL
 * above the max, bad CIDRs, or a batch type with a period or use limit.
 */
export function parseTokenFields(current: TokenParams, fields: FieldReader): TokenParams {
  const next: TokenParams = { ...current };
  const cidrs = read<string[]>(fields, 'token_bound_cidrs');
  if (cidrs !== undefined) next.tokenBoundCidrs = parseCidrList(cidrs, 'token_bound_cidrs');
  const explicitMax = read<number>(fields, 'token_explicit_max_ttl');
  if (explicitMax !== undefined) next.tokenExplicitMaxTtlSeconds = explicitMax;
  const maxTtl = read<number>(fields, 'token_max_ttl');
  if (maxTtl !== undefined) next.tokenMaxTtlSeconds = maxTtl;
  if (next.tokenMaxTtlSeconds < 0) bad("'token_max_ttl' cannot be negative");
  const noDefault = read<boolean>(fields, 'token_no_default_policy');
  if (noDefault !== undefined) next.tokenNoDefaultPolicy = noDefault;
  const period = read<number>(fields, 'token_period');
  if (period !== undefined) next.tokenPeriodSeconds = period;
  if (next.tokenPeriodSeconds < 0) bad("'token_period' cannot be negative");
  const policies = read<string[]>(fields, 'token_policies');
  if (policies !== undefined) next.tokenPolicies = policies.filter((p) => p !== '');
  const type = read<string>(fields, 'token_type');
  if (type !== undefined) next.tokenType = parseTokenType(type);
  const numUses = read<number>(fields, 'token_num_uses');
  if (numUses !== undefined) next.tokenNumUses = numUses;
  if (next.tokenNumUses < 0) bad("'token_num_uses' cannot be negative");
  if (next.tokenType === 'batch') {
    if (next.tokenPeriodSeconds !== 0) {
      bad("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
    }
    if (next.tokenNumUses !== 0) {
      bad(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
    }
  }
  const ttl = read<number>(fields, 'token_ttl');
  if (ttl !== undefined) next.tokenTtlSeconds = ttl;
  if (next.tokenTtlSeconds < 0) bad("'token_ttl' cannot be negative");
  if (
    next.tokenTtlSeconds > 0 &&
    next.tokenMaxTtlSeconds > 0 &&
    next.tokenTtlSeconds > next.tokenMaxTtlSeconds
  ) {
    bad("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (next.tokenExplicitMaxTtlSeconds < 0) bad("'token_explicit_max_ttl' cannot be negative");
  return next;
}

/** The fields as a role read shows them (Vault's `PopulateTokenData`). */
export function tokenParamsData(params: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: [...params.tokenBoundCidrs],
    token_explicit_max_ttl: params.tokenExplicitMaxTtlSeconds,
    token_max_ttl: params.tokenMaxTtlSeconds,
    token_no_default_policy: params.tokenNoDefaultPolicy,
    token_num_uses: params.tokenNumUses,
    token_period: params.tokenPeriodSeconds,
    token_policies: [...params.tokenPolicies],
    token_type: params.tokenType,
    token_ttl: params.tokenTtlSeconds,
  };
}

/**
 * A login carrying these settings (Vault's `PopulateTokenAuth`: renewable, the role's policies,
 * TTLs, period, uses, type and CIDRs); `extra` adds the identity (metadata, display name, ...).
 */
export function loginWithTokenParams(params: TokenParams, extra: Partial<LoginAuth> = {}): LoginAuth {
  return newLoginAuth({
    policies: [...params.tokenPolicies],
    noDefaultPolicy: params.tokenNoDefaultPolicy,
    ttlSeconds: params.tokenTtlSeconds,
    maxTtlSeconds: params.tokenMaxTtlSeconds,
    explicitMaxTtlSeconds: params.tokenExplicitMaxTtlSeconds,
    periodSeconds: params.tokenPeriodSeconds,
    numUses: params.tokenNumUses,
    renewable: true,
    tokenType: params.tokenType,
    boundCidrs: [...params.tokenBoundCidrs],
    ...extra,
  });
}

/** Parses stored token params (engines keep them as JSON); missing keys take the defaults. */
export function storedTokenParams(raw: unknown): TokenParams {
  const out = defaultTokenParams();
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  const num = (k: keyof TokenParams): void => {
    if (typeof r[k] === 'number') (out[k] as number) = r[k];
  };
  const list = (k: 'tokenBoundCidrs' | 'tokenPolicies'): void => {
    const v = r[k];
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  };
  num('tokenExplicitMaxTtlSeconds');
  num('tokenMaxTtlSeconds');
  num('tokenNumUses');
  num('tokenPeriodSeconds');
  num('tokenTtlSeconds');
  list('tokenBoundCidrs');
  list('tokenPolicies');
  if (typeof r.tokenNoDefaultPolicy === 'boolean') out.tokenNoDefaultPolicy = r.tokenNoDefaultPolicy;
  if (r.tokenType === 'service' || r.tokenType === 'batch') out.tokenType = r.tokenType;
  return out;
}
