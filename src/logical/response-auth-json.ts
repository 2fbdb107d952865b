/**
 * Vault's JSON `auth` object (snake_case, seconds) for a `ResponseAuth`: one rendering shared by
 * the HTTP response and the audit entry, so the two cannot drift apart field by field.
 */
import type { ResponseAuth } from './response.js';

/** How a caller's rendering differs from the plain one. */
export interface AuthJsonOptions {
  /** Replaces the token (audit devices write its HMAC). Default: `auth.clientToken`. */
  clientToken?: string;
  /** Replaces the accessor (audit devices may HMAC it). Default: `auth.accessor`. */
  accessor?: string;
  /** Adds Vault's `mfa_requirement: null` (HTTP responses carry it; audit entries do not). */
  mfaRequirement?: boolean;
}

/** The `auth` object, keys in Vault's order. */
export function renderAuthJson(auth: ResponseAuth, options: AuthJsonOptions = {}): Record<string, unknown> {
  return {
    client_token: options.clientToken ?? auth.clientToken,
    accessor: options.accessor ?? auth.accessor,
    policies: auth.policies,
    token_policies: auth.tokenPolicies,
    metadata: auth.metadata,
    lease_duration: auth.leaseDurationSeconds,
    renewable: auth.renewable,
    entity_id: auth.entityId,
    token_type: auth.tokenType,
    orphan: auth.orphan,
    ...(options.mfaRequirement ? { mfa_requirement: null } : {}),
    num_uses: auth.numUses,
  };
}
