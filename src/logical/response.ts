/**
 * What an engine or core returns. The HTTP layer turns it into Vault's envelope
 * (`request_id, lease_id, renewable, lease_duration, data, wrap_info, warnings, auth`) or, for a
 * `raw` response, writes status, content type and body as given.
 */
import type { LoginAuth } from './login.js';

/** The `auth` block of a login or token-creation response. */
export interface ResponseAuth {
  clientToken: string;
  accessor: string;
  policies: string[];
  tokenPolicies: string[];
  metadata: Record<string, string> | null;
  leaseDurationSeconds: number;
  renewable: boolean;
  entityId: string;
  tokenType: 'service' | 'batch';
  orphan: boolean;
  numUses: number;
}

/** A lease-bearing secret (dynamic credentials); core registers the lease and fills `lease_id`. */
export interface ResponseSecret {
  /** Which of the engine's `Backend.secretTypes` renews and revokes it (Vault's `secret_type`). */
  secretType?: string;
  ttlSeconds: number;
  maxTtlSeconds?: number;
  renewable: boolean;
  /** Data the engine needs later to renew or revoke (stored with the lease, never returned). */
  internalData?: Record<string, unknown>;
}

/** A response whose bytes the engine controls (PEM, CRL, Prometheus text, KV v2 deleted 404). */
export interface RawResponse {
  status: number;
  contentType: string;
  body: string | Uint8Array;
}

/**
 * Vault's `wrap_info`: set by core when the response was wrapped. Only this (and warnings) is
 * sent; the original response waits in the wrapping token's cubbyhole.
 */
export interface ResponseWrapInfo {
  token: string;
  accessor: string;
  ttlSeconds: number;
  /** Wall-clock creation time, ms since the epoch (rendered RFC 3339). */
  creationTimeMs: number;
  creationPath: string;
  /** The accessor of the token inside the wrapped response (logins, token creation); '' if none. */
  wrappedAccessor: string;
}

/**
 * A handler's demand that core wrap its response whatever the request asked (Vault's
 * `resp.WrapInfo` set by a backend: `sys/wrapping/rewrap`). The effective TTL is the shorter of
 * this and the request's `X-Vault-Wrap-TTL`.
 */
export interface WrapDemand {
  ttlSeconds: number;
  /** Keep this creation path instead of the request's (a rewrap keeps the original). */
  creationPath?: string;
  /** Store this already-rendered response instead of rendering the handler's (a rewrap). */
  storedResponse?: string;
}

export interface LogicalResponse {
  data?: Record<string, unknown> | null;
  auth?: ResponseAuth;
  /**
   * Set by an auth method's login handler: who logged in and what token to mint. Core replaces it
   * with `auth` (the minted token) before the response leaves the pipeline.
   */
  login?: LoginAuth;
  secret?: ResponseSecret;
  warnings?: string[];
  raw?: RawResponse;
  /** Set by core: the lease id registered for `secret`. */
  leaseId?: string;
  /** The type of the mount that served the request (Vault's `mount_type`). */
  mountType?: string;
  /**
   * For sys endpoints whose `data` keys Vault also copies to the top level of the JSON body
   * (`sys/mounts`, `sys/policy`, ...).
   */
  topLevelData?: boolean;
  /** Set by core on a wrapped response: the envelope then carries only `wrap_info` (and warnings). */
  wrapInfo?: ResponseWrapInfo;
  /** Set by a handler that must be answered wrapped (see `WrapDemand`); never rendered. */
  wrapDemand?: WrapDemand;
}

/** An empty successful response: the HTTP layer answers 204 when there is no data and no warning. */
export const noContent: LogicalResponse = Object.freeze({});
