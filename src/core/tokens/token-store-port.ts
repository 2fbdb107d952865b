/**
 * What the `auth/token/*` handlers need from the token store — an interface so the handlers do
 * not import the store class (which builds the backend from them: no import cycle).
 */
import type { StorageView } from '../../logical/storage-view.js';
import type { TokenEntry } from './token-entry.js';
import type { TidyResult } from './token-tidy.js';

/** What `createToken` needs; policies are final (already sanitised and checked by the caller). */
export interface CreateTokenParams {
  policies: string[];
  /** idHash of the parent; '' or absent = orphan. */
  parentIdHash?: string;
  path: string;
  displayName: string;
  meta?: Record<string, string>;
  numUses?: number;
  renewable?: boolean;
  /** Requested TTL, seconds; 0/absent = mount default (or never, for a root-policy token). */
  ttlSeconds?: number;
  explicitMaxTtlSeconds?: number;
  periodSeconds?: number;
  role?: string;
  entityId?: string;
  /** A caller-chosen token id (root/sudo only — the caller checks that). */
  id?: string;
  /**
   * `batch` mints a self-describing, unpersisted token (./batch-token.ts): no accessor, no uses,
   * not renewable, no explicit max or period, never root. Default `service`.
   */
  type?: 'service' | 'batch';
}

/** A freshly minted token: the only time the raw `token` is ever available. */
export interface CreatedToken {
  token: string;
  accessor: string;
  entry: TokenEntry;
  warnings: string[];
}

/** Result of a renewal. */
export interface RenewedToken {
  entry: TokenEntry;
  ttlSeconds: number;
  warnings: string[];
}

/** The token store as the backend handlers use it (implemented by TokenStore). */
export interface TokenStorePort {
  nowMs(): number;
  isPrivileged(policies: string[], path: string): Promise<boolean>;
  hashToken(token: string): Promise<string>;
  createToken(params: CreateTokenParams): Promise<CreatedToken>;
  lookup(token: string): Promise<TokenEntry | undefined>;
  lookupByIdHash(idHash: string): Promise<TokenEntry | undefined>;
  lookupSelf(idHash: string): Promise<TokenEntry | undefined>;
  idHashByAccessor(accessor: string): Promise<string | undefined>;
  listAccessors(): Promise<string[]>;
  renew(idHash: string, incrementSeconds?: number): Promise<RenewedToken | undefined>;
  revokeTree(idHash: string): Promise<void>;
  revokeOrphan(idHash: string): Promise<void>;
  tidy(): Promise<TidyResult>;
  /** The store's own storage view, where roles live. */
  readonly roleStorage: StorageView;
}
