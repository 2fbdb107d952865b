/**
 * The one request type every layer speaks: the HTTP layer builds it, core authenticates,
 * authorises, audits and routes it, and an engine sees it with the mount prefix stripped.
 */

/** Vault's logical operations. POST/PUT become create or update after the existence check. */
export type Operation = 'read' | 'create' | 'update' | 'patch' | 'delete' | 'list';

/** A request as core receives it from the HTTP layer (or a forwarded one from a standby). */
export interface LogicalRequest {
  /** Unique id (UUID), echoed as `request_id` and in logs and audit. */
  id: string;
  operation: Operation;
  /** Full path after `/v1/`, without a leading slash; LIST paths end in `/`. */
  path: string;
  /** Body (POST/PUT/PATCH) or query parameters (GET/DELETE/LIST), as sent. */
  data: Record<string, unknown>;
  /** The raw client token, or '' when none was sent. Never logged; audit sees only its HMAC. */
  clientToken: string;
  /** Selected request headers (lower-case names), for audit and forwarding. */
  headers: Record<string, string>;
  /** Remote address of the client, for audit and CIDR checks. */
  remoteAddress: string;
  /** `X-Vault-Wrap-TTL` in seconds, when the client asked for response wrapping. */
  wrapTtlSeconds?: number;
}

/** The caller's identity as resolved by core from the token. Engines see this, never the raw token. */
export interface RequestAuth {
  /** Token accessor (safe to show and store). */
  accessor: string;
  policies: string[];
  displayName: string;
  entityId: string;
  metadata: Record<string, string>;
  /**
   * A stable, non-secret id of the token (used e.g. to key cubbyhole storage); '' for a batch
   * token, which is not stored and has no cubbyhole.
   */
  tokenIdHash: string;
  /** `batch` for a self-describing batch token (it cannot create tokens, renew or be revoked). */
  tokenType?: 'service' | 'batch';
}
