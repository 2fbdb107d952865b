/**
 * Minting and opening batch tokens for the token store (the codec is ./batch-token.ts). Kept out of
 * the store so it stays one concept per file: here are Vault's batch rules — TTL as a service
 * token's (mount default, capped by the mount max), never root, a child only of a parent valid
 * now, and on every use: genuine, unexpired, and its parent (if any) still valid, so revoking the
 * parent kills its batch tokens at once.
 */
import { assert } from '../../lib/assert.js';
import { ArcaError } from '../../lib/errors.js';
import type { StorageView } from '../../logical/storage-view.js';
import { BatchTokenCodec, type BatchPayload, batchEntry } from './batch-token.js';
import { type TokenEntry, checkBoundCidrs, isExpired } from './token-entry.js';
import { missingPolicyWarnings } from './token-policies.js';
import type { CreateTokenParams, CreatedToken } from './token-store-port.js';
import { type LeaseTtls, creationTtl } from './token-ttl.js';

/** What the store lends batch minting and opening. */
export interface BatchDeps {
  /** Resolves once the store is initialized (the key is loaded). */
  ready(): Promise<void>;
  ttls(): LeaseTtls;
  wallMs(): number;
  /** Whether the service token stored under `idHash` is valid now. */
  validParent(idHash: string): Promise<boolean>;
  policyExists?: (name: string) => Promise<boolean>;
}

/** The store's batch tokens: the key's lifetime (load on unseal, zeroize on seal), mint and open. */
export class BatchTokens {
  private codec?: BatchTokenCodec;

  constructor(private readonly deps: BatchDeps) {}

  /** Loads (or creates) the cluster's key from the token store's view. */
  async load(storage: StorageView): Promise<void> {
    this.codec?.zeroize();
    this.codec = await BatchTokenCodec.load(storage);
  }

  /** Overwrites the key in memory. */
  close(): void {
    this.codec?.zeroize();
    this.codec = undefined;
  }

  /** Mints a batch token for `params` (`type: 'batch'`); nothing is written. */
  async mint(params: CreateTokenParams): Promise<CreatedToken> {
    if (params.policies.includes('root')) {
      throw new ArcaError('invalid_request', 'batch tokens cannot be root tokens');
    }
    const nowMs = Math.floor(this.deps.wallMs() / 1000) * 1000;
    const { ttlSeconds, warnings } = creationTtl({
      ttls: this.deps.ttls(),
      requestedTtlSeconds: params.ttlSeconds ?? 0,
      periodSeconds: 0,
      explicitMaxTtlSeconds: 0,
      isRoot: false,
      nowMs,
    });
    const parentIdHash = params.parentIdHash ?? '';
    if (parentIdHash !== '' && !(await this.deps.validParent(parentIdHash))) {
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
      ...(params.boundCidrs !== undefined && params.boundCidrs.length > 0
        ? { boundCidrs: [...params.boundCidrs] }
        : {}),
    };
    const token = this.key().seal(payload);
    warnings.push(...(await missingPolicyWarnings(payload.policies, this.deps.policyExists)));
    return { token, accessor: '', entry: batchEntry(payload), warnings };
  }

  /**
   * The entry of a usable batch token; undefined if forged, expired or its parent is gone. With
   * `remoteAddress`, a token bound to CIDRs used from outside them is 403 (as a service token).
   */
  async authenticate(token: string, remoteAddress?: string): Promise<TokenEntry | undefined> {
    await this.deps.ready();
    const entry = await this.open(token);
    if (entry !== undefined) checkBoundCidrs(entry, remoteAddress);
    return entry;
  }

  private async open(token: string): Promise<TokenEntry | undefined> {
    const payload = this.key().open(token);
    if (payload === undefined) return undefined;
    const entry = batchEntry(payload);
    if (isExpired(entry, this.deps.wallMs())) return undefined;
    if (entry.parentIdHash !== '' && !(await this.deps.validParent(entry.parentIdHash))) return undefined;
    return entry;
  }

  private key(): BatchTokenCodec {
    assert(this.codec !== undefined, 'batch tokens used before the token store was initialized');
    return this.codec;
  }
}
