/**
 * What the `auth/token/*` handlers need from the token store — an interface so the handlers do
 * not import the store class (which builds the backend from them: no import cycle).
 */
import type { Clock } from '../../lib/clock.js';
import type { StorageView } from '../../logical/storage-view.js';
import type { ExpiryTracker } from '../expiration-port.js';
import type { TokenEntry } from './token-entry.js';
import type { TidyResult } from './token-tidy.js';
import type { LeaseTtls } from './token-ttl.js';

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
  /** CIDRs the token may be used from (login tokens with `token_bound_cidrs`). */
  boundCidrs?: string[];
  /** Kept for the issuing auth method's renew callback (login tokens). */
  internalData?: Record<string, string>;
}

/** A freshly minted token: the only time the raw `token` is ever available. */
export interface CreatedToken {
  token: string;
  accessor: string;
  entry: TokenEntry;
  warnings: string[];
}

/**
 * The renewal bounds of a login token, from the auth method that issued it: the auth mount's
 * TTLs (max lowered by the method's) and the method's current TTL and period.
 */
export interface LoginRenewalLimits {
  ttls: LeaseTtls;
  ttlSeconds: number;
  periodSeconds: number;
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

export interface TokenStoreDeps {
  storage: StorageView;
  clock: Clock;
  /**
   * The expiration manager's `token` tracker (core's ExpirationManager): the store reports every
   * expiry it stamps (create, renew) and every token left marked revoked; the manager's tick calls
   * back `expiryHandler().expire` when one is due.
   */
  expiry: ExpiryTracker;
  /** HMAC key for id hashes; when absent a random salt is loaded from / created in storage. */
  salt?: Uint8Array;
  /** Effective default TTL of the token mount (0/absent = system default 768h). */
  defaultLeaseTtlSeconds?: number;
  /** Effective max TTL of the token mount (0/absent = system max 768h). */
  maxLeaseTtlSeconds?: number;
  /**
   * ε (lib/clock-offset.ts, config `max_clock_offset`): a token counts as expired for use from
   * `expiry − ε` (inclusive, as the store's plain expiry check always was). Deletion follows the
   * expiration manager's rule (`now > expiry + ε`, with the same ε). Default 0.
   */
  maxClockOffsetMs?: number;
  /** Called once per revoked token before its entry is deleted (core drops cubbyhole and leases). */
  onRevoke?: (entry: TokenEntry) => Promise<void>;
  /**
   * Optional: whether `policies` grant `sudo` on `path` (core's ACL). Without it only the `root`
   * policy counts as "root or sudo" for `no_parent`, `period` and a custom `id`.
   */
  hasSudo?: (policies: string[], path: string) => Promise<boolean>;
  /** Optional: lets token creation warn `Policy "x" does not exist` as Vault does. */
  policyExists?: (name: string) => Promise<boolean>;
  /**
   * Optional: the renewal bounds of a token minted by an auth method's login (any path outside
   * `auth/token/`): core asks the issuing method (which may refuse by throwing) and answers with
   * the TTLs that apply. Without it such tokens renew against the token mount's TTLs.
   */
  loginRenewal?: (entry: TokenEntry) => Promise<LoginRenewalLimits>;
}
