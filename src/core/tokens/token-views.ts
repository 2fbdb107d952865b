/**
 * Response shapes of the token backend, exactly as Vault renders them: the `auth` block of
 * create/renew (Vault's HTTP API docs) and the `data` of lookup/lookup-self/lookup-accessor.
 */
import type { ResponseAuth } from '../../logical/response.js';
import type { TokenEntry } from './token-entry.js';

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** The `auth` block; `clientToken` is '' where Vault hides it (renew-accessor). */
export function tokenAuth(
  clientToken: string,
  entry: TokenEntry,
  leaseDurationSeconds: number,
): ResponseAuth {
  return {
    clientToken,
    accessor: entry.accessor,
    policies: [...entry.policies],
    tokenPolicies: [...entry.policies],
    metadata: Object.keys(entry.meta).length > 0 ? { ...entry.meta } : null,
    leaseDurationSeconds,
    renewable: entry.renewable,
    entityId: entry.entityId,
    tokenType: entry.type,
    orphan: entry.orphan,
    numUses: entry.numUses,
  };
}

/**
 * Lookup data. `id` is the raw token only when the caller supplied it (lookup, lookup-self);
 * lookup-accessor passes '' so an accessor never reveals a token.
 */
export function lookupData(entry: TokenEntry, id: string, nowMs: number): Record<string, unknown> {
  const expiring = entry.expireTimeMs !== 0;
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: Math.floor(entry.creationTimeMs / 1000),
    creation_ttl: entry.ttlSeconds,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: expiring ? rfc3339(entry.expireTimeMs) : null,
    explicit_max_ttl: entry.explicitMaxTtlSeconds,
    id,
    meta: Object.keys(entry.meta).length > 0 ? { ...entry.meta } : null,
    num_uses: entry.numUses,
    orphan: entry.orphan,
    path: entry.path,
    policies: [...entry.policies],
    renewable: expiring && entry.renewable,
    ttl: expiring ? Math.max(0, Math.round((entry.expireTimeMs - nowMs) / 1000)) : 0,
    type: entry.type,
  };
  if (expiring) data.issue_time = rfc3339(entry.creationTimeMs);
  if (entry.periodSeconds > 0) data.period = entry.periodSeconds;
  if (entry.role !== undefined) data.role = entry.role;
  if (entry.boundCidrs !== undefined) data.bound_cidrs = [...entry.boundCidrs];
  if (entry.lastRenewalTimeMs !== undefined) {
    data.last_renewal_time = Math.floor(entry.lastRenewalTimeMs / 1000);
    data.last_renewal = rfc3339(entry.lastRenewalTimeMs);
  }
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1)));
}
