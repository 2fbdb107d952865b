/**
 * A token being created: building its stored entry and writing it (kept apart from
 * token-entry.ts to avoid an import cycle, and out of the store to keep one concept per file).
 */
import { ArcaError } from '../../lib/errors.js';
import type { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { StorageOp, StorageView } from '../../logical/storage-view.js';
import { type StoredToken, encodeAccessor, encodeToken, isExpired, tokenKeys } from './token-entry.js';
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
  if (params.boundCidrs !== undefined && params.boundCidrs.length > 0)
    entry.boundCidrs = [...params.boundCidrs];
  if (params.internalData !== undefined && Object.keys(params.internalData).length > 0) {
    entry.internalData = { ...params.internalData };
  }
  return entry;
}

/** What `persistNewToken` needs from the store. */
export interface NewTokenWriter {
  storage: StorageView;
  /** The store's per-token locks (a token's read-modify-writes run under its idHash). */
  lock: KeyedMutex;
  readStored(idHash: string): Promise<StoredToken | undefined>;
  wallMs(): number;
}

/**
 * Writes entry, accessor and parent index in ONE batch, under the new token's lock. A child is
 * written under its parent's lock too, and only if the parent is still valid (not revoked, not
 * expired, and not an expiring parent of a non-expiring token), so it can never escape a
 * concurrent revocation of the parent. `accessorKey`: the accessor index key (keyed by the
 * accessor's salted hash). `explicitId`: the caller chose the id, so a duplicate is refused (400)
 * instead of overwritten.
 */
export async function persistNewToken(
  writer: NewTokenWriter,
  entry: StoredToken,
  accessorKey: string,
  explicitId: boolean,
): Promise<void> {
  const { idHash, parentIdHash } = entry;
  const write = (): Promise<void> =>
    writer.lock.run(idHash, async () => {
      if (explicitId && (await writer.storage.get(tokenKeys.entry(idHash)))) {
        throw new ArcaError('invalid_request', 'cannot create a token with a duplicate ID');
      }
      const ops: StorageOp[] = [
        { type: 'put', key: tokenKeys.entry(idHash), value: encodeToken(entry) },
        { type: 'put', key: accessorKey, value: encodeAccessor(idHash, entry.accessor) },
      ];
      if (parentIdHash !== '') {
        ops.push({ type: 'put', key: tokenKeys.child(parentIdHash, idHash), value: new Uint8Array(0) });
      }
      await writer.storage.batch(ops);
    });
  if (parentIdHash === '') return write();
  return writer.lock.run(parentIdHash, async () => {
    const parent = await writer.readStored(parentIdHash);
    if (!parent || parent.revoked || isExpired(parent, writer.wallMs())) {
      throw new ArcaError('invalid_request', 'parent token is no longer valid');
    }
    if (entry.expireTimeMs === 0 && parent.expireTimeMs !== 0) {
      throw new ArcaError('invalid_request', 'expiring root tokens cannot create non-expiring root tokens');
    }
    await write();
  });
}
