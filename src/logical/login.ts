/**
 * The login contract between auth methods and core (Vault's `logical.Auth` as a login path returns
 * it): an auth method's login handler answers with a `LoginAuth` describing WHO logged in and WHAT
 * token they get; core (never the engine) mints the token, registers its TTL, audits and renders
 * Vault's `auth` block. Renewal of a login token goes back to the method (`Backend.renewLogin`),
 * which re-checks that the user or role still exists and returns the current token settings.
 */
import type { StorageView } from './storage-view.js';

/** The token type a login asks for: `default` defers to the mount's `token_type` tune. */
export type LoginTokenType = 'default' | 'service' | 'batch';

/** The identity behind a login (Vault's `logical.Alias`); `name` is the user or role id. */
export interface LoginAlias {
  name: string;
  metadata?: Record<string, string>;
}

/** What a login handler returns in `LogicalResponse.login`. All TTLs in seconds; 0 = unset. */
export interface LoginAuth {
  /** Policies the token gets (core adds `default` unless `noDefaultPolicy`). */
  policies: string[];
  noDefaultPolicy: boolean;
  /** Shown to clients as `auth.metadata` and stored as the token's `meta`. */
  metadata: Record<string, string>;
  /** Suffix of the token's display name (core prefixes the mount path: `userpass-bob`). */
  displayName: string;
  alias?: LoginAlias;
  /** Kept with the token, never shown; handed back to `renewLogin` (e.g. the AppRole role name). */
  internalData?: Record<string, string>;
  ttlSeconds: number;
  maxTtlSeconds: number;
  explicitMaxTtlSeconds: number;
  periodSeconds: number;
  numUses: number;
  renewable: boolean;
  tokenType: LoginTokenType;
  /** CIDRs the token may be used from (normalised CIDR text); empty = anywhere. */
  boundCidrs: string[];
}

/** What core hands `Backend.renewLogin` when a token minted by a login on this mount is renewed. */
export interface LoginRenewRequest {
  requestId: string;
  /** Storage chrooted to the auth mount. */
  storage: StorageView;
  mountPoint: string;
  /** The token's policies without `default` (Vault's `Auth.TokenPolicies` sanitised). */
  tokenPolicies: string[];
  metadata: Record<string, string>;
  internalData: Record<string, string>;
  displayName: string;
}

/**
 * The method's answer: the settings that bound the renewed TTL (as its login would set them now).
 * Core computes the new TTL from these with the mount's TTLs, measured from the token's issue time.
 * A method refuses renewal by throwing (e.g. 400 `policies have changed, not renewing`).
 */
export interface LoginRenewResult {
  ttlSeconds: number;
  maxTtlSeconds: number;
  periodSeconds: number;
}

/** A `LoginAuth` with Vault's defaults (renewable, type `default`, no TTLs), for handlers to extend. */
export function newLoginAuth(fields: Partial<LoginAuth> & Pick<LoginAuth, 'policies'>): LoginAuth {
  return {
    noDefaultPolicy: false,
    metadata: {},
    displayName: '',
    ttlSeconds: 0,
    maxTtlSeconds: 0,
    explicitMaxTtlSeconds: 0,
    periodSeconds: 0,
    numUses: 0,
    renewable: true,
    tokenType: 'default',
    boundCidrs: [],
    ...fields,
  };
}
