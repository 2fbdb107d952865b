/** Building the stored entry of a token being created (kept apart from token-entry.ts to avoid an import cycle). */
import type { StoredToken } from './token-entry.js';
import type { CreateTokenParams } from './token-store-port.js';

/**
 * The stored form of a token being created: `ttlSeconds` is the effective TTL already computed
 * (0 = never expires, e.g. root); a non-expiring token is never renewable.
 */
export function newStoredToken(
  params: CreateTokenParams,
  ids: { idHash: string; accessor: string; ttlSeconds: number; nowMs: number },
): StoredToken {
  const parentIdHash = params.parentIdHash ?? '';
  const { idHash, accessor, ttlSeconds, nowMs } = ids;
  const entry: StoredToken = {
    idHash,
    accessor,
    parentIdHash,
    policies: [...params.policies],
    path: params.path,
    displayName: params.displayName,
    meta: { ...(params.meta ?? {}) },
    numUses: params.numUses ?? 0,
    orphan: parentIdHash === '',
    renewable: ttlSeconds === 0 ? false : (params.renewable ?? true),
    type: 'service',
    creationTimeMs: nowMs,
    ttlSeconds,
    expireTimeMs: ttlSeconds === 0 ? 0 : nowMs + ttlSeconds * 1000,
    explicitMaxTtlSeconds: params.explicitMaxTtlSeconds ?? 0,
    periodSeconds: params.periodSeconds ?? 0,
    entityId: params.entityId ?? '',
  };
  if (params.role !== undefined) entry.role = params.role;
  return entry;
}
