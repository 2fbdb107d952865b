/**
 * Minting and opening batch tokens for the token store (the codec is ./batch-token.ts). Kept out of
 * the store so it stays one concept per file: here are Vault's batch rules — TTL as a service
 * token's (mount default, capped by the mount max), never root, a child only of a parent valid
 * now, and on every use: genuine, unexpired, and its parent (if any) still valid, so revoking the
 * parent kills its batch tokens at once.
 */
import { ArcaError } from '../../lib/errors.js';
import type { StorageView } from '../../logical/storage-view.js';
import { BatchTokenCodec, type BatchPayload, batchEntry } from './batch-token.js';
import { type TokenEntry, isExpired } from './token-entry.js';
import { missingPolicyWarnings } from './token-policies.js';
import type { CreateTokenParams, CreatedToken } from './token-store-port.js';
import { type LeaseTtls, creationTtl } from './token-ttl.js';

/** What the store lends batch minting and opening. */
export interface BatchDeps {
  codec: BatchTokenCodec;
  ttls: LeaseTtls;
  wallMs(): number;
  /** Whether the service token stored under `idHash` is valid now. */
  validParent(idHash: string): Promise<boolean>;
  policyExists?: (name: string) => Promise<boolean>;
}

/** Loads (or creates) the cluster's batch-token key from the token store's view. */
export function loadBatchCodec(storage: StorageView): Promise<BatchTokenCodec> {
  return BatchTokenCodec.load(storage);
}

/** Mints a batch token for `params` (`type: 'batch'`); nothing is written. */
export async function mintBatchToken(deps: BatchDeps, params: CreateTokenParams): Promise<CreatedToken> {
  if (params.policies.includes('root')) {
    throw new ArcaError('invalid_request', 'batch tokens cannot be root tokens');
  }
  const nowMs = Math.floor(deps.wallMs() / 1000) * 1000;
  const { ttlSeconds, warnings } = creationTtl({
    ttls: deps.ttls,
    requestedTtlSeconds: params.ttlSeconds ?? 0,
    periodSeconds: 0,
    explicitMaxTtlSeconds: 0,
    isRoot: false,
    nowMs,
  });
  const parentIdHash = params.parentIdHash ?? '';
  if (parentIdHash !== '' && !(await deps.validParent(parentIdHash))) {
    throw new ArcaError('invalid_request', 'parent token is no longer valid');
  }
  const payload: BatchPayload = {
    policies: [...params.policies],
    parentIdHash,
    path: params.path,
    displayName: params.displayName,
    meta: { ...(params.meta ?? {}) },
    creationTimeMs: nowMs,
    ttlSeconds,
    entityId: params.entityId ?? '',
    ...(params.role === undefined ? {} : { role: params.role }),
  };
  const token = deps.codec.seal(payload);
  warnings.push(...(await missingPolicyWarnings(payload.policies, deps.policyExists)));
  return { token, accessor: '', entry: batchEntry(payload), warnings };
}

/** The entry of a usable batch token; undefined if forged, expired or its parent is gone. */
export async function openBatchToken(deps: BatchDeps, token: string): Promise<TokenEntry | undefined> {
  const payload = deps.codec.open(token);
  if (payload === undefined) return undefined;
  const entry = batchEntry(payload);
  if (isExpired(entry, deps.wallMs())) return undefined;
  if (entry.parentIdHash !== '' && !(await deps.validParent(entry.parentIdHash))) return undefined;
  return entry;
}
