/**
 * The token store: service tokens stored only as salted hashes, an accessor index, a parent →
 * child index for tree revocation; expiry is core's one expiration manager's, fed through
 * `deps.expiry`, revoking through `expiryHandler()` (./token-expiry.ts). Core calls `authenticate`
 * on every request, mounts `backend()` at `auth/token/`, and `createToken` mints login tokens.
 *
 * Consistency: every logical change (entry + accessor + parent index) is ONE `storage.batch`;
 * read-modify-writes of a token run under its key lock (./keyed-lock.ts), so use counts can never
 * be overspent and a token being revoked can neither be renewed nor gain a child. Revocation first
 * marks each token of the tree (it stops authenticating at once), then deletes leaves-first; a
 * crash in between leaves marked entries that the manager's restore makes due at once.
 */
import { assert } from '../../lib/assert.js';
import type { Clock } from '../../lib/clock.js';
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { Backend } from '../../logical/backend.js';
import type { StorageView } from '../../logical/storage-view.js';
import { isBatchToken } from './batch-token.js';
import { BatchTokens } from './token-batch.js';
import type { ExpiryHandler } from '../expiration-port.js';
import { sweepDueTokens, tokenExpiryHandler, type TokenExpiryDeps } from './token-expiry.js';
import { TokenEntryCache } from './token-cache.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import {
  type StoredToken,
  type TokenEntry,
  checkBoundCidrs,
  decodeToken,
  encodeToken,
  isExpired,
  frozenPublicEntry,
  publicEntry,
  tokenKeys,
} from './token-entry.js';
import { newStoredToken, persistNewToken } from './token-new-entry.js';
import { TokenHasher, generateAccessor, generateTokenId, loadOrCreateSalt } from './token-ids.js';
import { listIndexedAccessors, lookupAccessor, migrateAccessorIndex } from './token-accessor-index.js';
import { missingPolicyWarnings } from './token-policies.js';
import { renewalLimits } from './token-roles.js';
import { type LeaseTtls, calculateTtl, creationTtl } from './token-ttl.js';
import { TokenRevoker } from './token-revoker.js';
import { tokenBackend } from './token-backend.js';
import { type TidyResult, tidyTokens } from './token-tidy.js';
import type {
  CreateTokenParams,
  CreatedToken,
  RenewedToken,
  TokenStoreDeps,
  TokenStorePort,
} from './token-store-port.js';

export type { TokenEntry } from './token-entry.js';
export type * from './token-store-port.js';

export class TokenStore implements TokenStorePort {
  private readonly storage: StorageView;
  private readonly clock: Clock;
  private readonly lock = new KeyedMutex();
  private readonly expiryDeps: TokenExpiryDeps;
  readonly cache = new TokenEntryCache(); // public: a standby drops entries Raft applied
  private readonly revoker: TokenRevoker;
  private hasher?: TokenHasher;
  private readonly batch: BatchTokens;
  private ready?: Promise<void>;
  private ttls: LeaseTtls;

  constructor(private readonly deps: TokenStoreDeps) {
    // Every writer of token entries (revoker, tidy, renew, use counts) goes through this view.
    this.storage = this.cache.invalidatingView(deps.storage);
    this.clock = deps.clock;
    this.ttls = { defaultLeaseTtlSeconds: 0, maxLeaseTtlSeconds: 0 };
    this.configureLeaseTtls(deps);
    this.batch = new BatchTokens({
      ready: () => this.ensureReady(),
      ttls: () => this.ttls,
      wallMs: () => this.clock.wallMs(),
      validParent: async (idHash) => (await this.readValid(idHash)) !== undefined,
      policyExists: deps.policyExists,
    });
    this.revoker = new TokenRevoker({
      storage: this.storage,
      lock: this.lock,
      expiry: deps.expiry,
      onRevoke: deps.onRevoke,
      accessorKey: (accessor) => tokenKeys.accessor((this.hasher as TokenHasher).hashAccessor(accessor)),
    });
    this.expiryDeps = {
      ready: () => this.ensureReady(),
      storage: this.storage,
      readStored: (idHash) => this.readStored(idHash),
      revokeTree: (idHash, stillDue) => this.revoker.revokeTree(idHash, stillDue),
      expiry: deps.expiry,
    };
  }

  /** Loads or creates the salt; call after every unseal (each call reloads), else lazily once. */
  initialize(): Promise<void> {
    const loading = this.load().catch((err: unknown) => {
      if (this.ready === loading) this.ready = undefined;
      throw err;
    });
    this.ready = loading;
    return loading;
  }

  private ensureReady(): Promise<void> {
    return this.ready ?? this.initialize();
  }

  /** Sets the mount's TTLs (e.g. after `sys/mounts/auth/token/tune`); 0 = system value. */
  configureLeaseTtls(ttls: { defaultLeaseTtlSeconds?: number; maxLeaseTtlSeconds?: number }): void {
    const max = ttls.maxLeaseTtlSeconds || limits.maxLeaseTtlSeconds;
    const def = ttls.defaultLeaseTtlSeconds || limits.defaultLeaseTtlSeconds;
    this.ttls = { defaultLeaseTtlSeconds: Math.min(def, max), maxLeaseTtlSeconds: max };
  }

  /** The effective default and max TTL of the token mount, seconds. */
  get leaseTtls(): LeaseTtls {
    return { ...this.ttls };
  }

  /** The store's wall-clock reading, ms (what TTLs and lookups are measured against). */
  nowMs(): number {
    return this.clock.wallMs();
  }

  /** Vault's "root or sudo": the root policy, or sudo on `path` when core supplied `hasSudo`. */
  async isPrivileged(policies: string[], path: string): Promise<boolean> {
    if (policies.includes('root')) return true;
    return this.deps.hasSudo ? this.deps.hasSudo(policies, path) : false;
  }

  /** The salted hash of a token id (its storage key). */
  async hashToken(token: string): Promise<string> {
    await this.ensureReady();
    return (this.hasher as TokenHasher).hash(token);
  }

  /** A root token (policies ["root"], never expires, orphan); dev mode passes a custom id. */
  async createRoot(opts: { id?: string } = {}): Promise<CreatedToken> {
    const params = { policies: ['root'], path: 'auth/token/root', displayName: 'root', id: opts.id };
    return this.createToken({ ...params, renewable: false });
  }

  /**
   * Mints a service token and writes entry, accessor and parent index in one batch. TTL: the
   * requested one (or the mount default) capped by explicit max and mount max (with Vault's
   * warning); periodic tokens get `period`; a root-policy token without ttl/period never expires
   * unless it has an explicit max. A child is written under its parent's lock and only if the
   * parent is still valid, so it can never escape a concurrent revocation of the parent.
   */
  async createToken(params: CreateTokenParams): Promise<CreatedToken> {
    await this.ensureReady();
    if (params.type === 'batch') return this.batch.mint(params);
    const nowMs = this.clock.wallMs(); // to the ms (renew too, unless a max TTL capped it), as Vault
    const explicitMax = params.explicitMaxTtlSeconds ?? 0;
    const period = params.periodSeconds ?? 0;
    const requestedTtl = params.ttlSeconds ?? 0;
    const isRoot = params.policies.includes('root');
    assert(Number.isSafeInteger(params.numUses ?? 0) && (params.numUses ?? 0) >= 0, 'numUses must be >= 0');
    assert(requestedTtl >= 0 && explicitMax >= 0 && period >= 0, 'TTLs must be >= 0');
    const { ttlSeconds, warnings } = creationTtl({
      ttls: this.ttls,
      requestedTtlSeconds: requestedTtl,
      periodSeconds: period,
      explicitMaxTtlSeconds: explicitMax,
      isRoot,
      nowMs,
    });

    const token = params.id ?? generateTokenId();
    const hasher = this.hasher as TokenHasher;
    const idHash = hasher.hash(token);
    const entry = newStoredToken(params, { idHash, accessor: generateAccessor(), ttlSeconds, nowMs });
    const accessorKey = tokenKeys.accessor(hasher.hashAccessor(entry.accessor));

    await persistNewToken(
      {
        storage: this.storage,
        lock: this.lock,
        readStored: (h) => this.readStored(h),
        wallMs: () => this.clock.wallMs(),
      },
      entry,
      accessorKey,
      params.id !== undefined,
    );
    if (entry.expireTimeMs !== 0) this.deps.expiry.track(idHash, entry.expireTimeMs);
    warnings.push(...(await missingPolicyWarnings(entry.policies, this.deps.policyExists)));
    return { token, accessor: entry.accessor, entry: publicEntry(entry), warnings };
  }

  /**
   * Validates a token for one request. Unknown, revoked or expired (against the clock now, even
   * before any cleanup ran) → undefined. A limited-use token spends one use atomically; the
   * returned entry's `numUses` is what remains, or -1 when this was the last use: the token is
   * then already revoked (it cannot authenticate again) and its tree is deleted by the expiration
   * manager's next tick — after this request, so e.g. its cubbyhole is still readable now.
   * A token bound to CIDRs used from outside them (`remoteAddress` given) is 403 `permission
   * denied` before any use is spent, as Vault (a non-expiring root token is never bound).
   */
  async authenticate(token: string, remoteAddress?: string): Promise<TokenEntry | undefined> {
    if (typeof token !== 'string' || token === '') return undefined;
    if (isBatchToken(token)) return this.batch.authenticate(token, remoteAddress);
    const idHash = await this.hashToken(token);
    const cached = this.cache.get(idHash);
    if (cached) {
      if (isExpired(cached, this.useNowMs())) return undefined;
      checkBoundCidrs(cached, remoteAddress);
      return frozenPublicEntry(cached);
    }
    const generation = this.cache.generation();
    const entry = await this.readValid(idHash);
    if (!entry) return undefined;
    checkBoundCidrs(entry, remoteAddress);
    if (entry.numUses === 0) {
      this.cache.fill(entry, generation);
      return publicEntry(entry);
    }
    return this.lock.run(idHash, async () => {
      const current = await this.readValid(idHash);
      if (!current) return undefined;
      if (current.numUses > 1) {
        current.numUses -= 1;
        await this.storage.put(tokenKeys.entry(idHash), encodeToken(current));
        return publicEntry(current);
      }
      current.revoked = true;
      current.exhausted = true;
      current.numUses = -1;
      await this.storage.put(tokenKeys.entry(idHash), encodeToken(current));
      this.deps.expiry.dueNow(idHash);
      return publicEntry(current);
    });
  }

  /** The entry for a raw token without spending a use; undefined if unknown/revoked/expired. */
  async lookup(token: string): Promise<TokenEntry | undefined> {
    if (typeof token !== 'string' || token === '') return undefined;
    if (isBatchToken(token)) return this.batch.authenticate(token);
    const entry = await this.readValid(await this.hashToken(token));
    return entry && publicEntry(entry);
  }

  /** The entry stored under `idHash`; undefined if unknown/revoked/expired. */
  async lookupByIdHash(idHash: string): Promise<TokenEntry | undefined> {
    await this.ensureReady();
    const entry = await this.readValid(idHash);
    return entry && publicEntry(entry);
  }

  /**
   * The caller's own entry for `lookup-self`: like `lookupByIdHash`, but a token whose last use
   * this very request spent is still shown (with `numUses` -1, as Vault's tainted entry) until
   * the cleanup tick deletes it.
   */
  async lookupSelf(idHash: string): Promise<TokenEntry | undefined> {
    await this.ensureReady();
    if (idHash === '' || idHash.includes('/')) return undefined;
    const entry = await this.readStored(idHash);
    if (!entry || isExpired(entry, this.useNowMs())) return undefined;
    if (entry.revoked && !entry.exhausted) return undefined;
    return publicEntry(entry);
  }

  /** The entry behind an accessor; undefined if unknown/revoked/expired. Never reveals the id. */
  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    const idHash = await this.idHashByAccessor(accessor);
    return idHash === undefined ? undefined : this.lookupByIdHash(idHash);
  }

  /** The idHash an accessor points to, if the index has it. */
  async idHashByAccessor(accessor: string): Promise<string | undefined> {
    await this.ensureReady();
    return lookupAccessor(this.storage, this.hasher as TokenHasher, accessor);
  }

  /** Every accessor (for `LIST auth/token/accessors`), sorted. */
  async listAccessors(): Promise<string[]> {
    await this.ensureReady();
    return listIndexedAccessors(this.storage);
  }

  /**
   * Renews a token: the new TTL counts from now (increment, else its creation TTL, else the
   * default; periodic tokens get their period), capped by explicit max and mount max from issue
   * time, with Vault's warning. Undefined if the token is unknown/revoked/expired; 400 `lease is
   * not renewable` for a non-renewable or non-expiring token.
   */
  async renew(idHash: string, incrementSeconds = 0): Promise<RenewedToken | undefined> {
    await this.ensureReady();
    return this.lock.run(idHash, async () => {
      const entry = await this.readValid(idHash);
      if (!entry) return undefined;
      if (!entry.renewable || entry.expireTimeMs === 0) {
        throw new ArcaError('invalid_request', 'lease is not renewable');
      }
      const login =
        this.deps.loginRenewal !== undefined && !entry.path.startsWith('auth/token/')
          ? await this.deps.loginRenewal(publicEntry(entry))
          : undefined;
      const { periodSeconds: period, explicitMaxTtlSeconds: explicitMax } =
        login === undefined
          ? await renewalLimits(this.storage, entry)
          : { periodSeconds: login.periodSeconds, explicitMaxTtlSeconds: entry.explicitMaxTtlSeconds };
      const nowMs = Math.floor(this.clock.wallMs() / 1000) * 1000;
      const result = calculateTtl({
        ttls: login?.ttls ?? this.ttls,
        incrementSeconds,
        tokenTtlSeconds: login === undefined ? entry.ttlSeconds : login.ttlSeconds,
        periodSeconds: period,
        explicitMaxTtlSeconds: explicitMax,
        startTimeMs: entry.creationTimeMs,
        nowMs,
      });
      entry.expireTimeMs = (result.warnings.length ? nowMs : this.clock.wallMs()) + result.ttlSeconds * 1000;
      entry.lastRenewalTimeMs = nowMs;
      await this.storage.put(tokenKeys.entry(idHash), encodeToken(entry));
      this.deps.expiry.track(idHash, entry.expireTimeMs);
      return { entry: publicEntry(entry), ttlSeconds: result.ttlSeconds, warnings: result.warnings };
    });
  }

  /** Revokes the token and all its descendants (never orphans them). Unknown ids are a no-op. */
  async revokeTree(idHash: string): Promise<void> {
    await this.ensureReady();
    await this.revoker.revokeTree(idHash);
  }

  /** Revokes only this token; its direct children become orphans (`revoke-orphan`). */
  async revokeOrphan(idHash: string): Promise<void> {
    await this.ensureReady();
    await this.revoker.revokeOrphan(idHash);
  }

  /** Revokes (with their trees) the tokens minted under `pathPrefix` (auth disable); how many. */
  async revokeByPathPrefix(pathPrefix: string): Promise<number> {
    await this.ensureReady();
    return this.revoker.revokePathPrefix(pathPrefix);
  }

  /** The expiration manager's `token` handler (restore and revoke-if-still-due, ./token-expiry.ts). */
  expiryHandler(): ExpiryHandler {
    return tokenExpiryHandler(this.expiryDeps);
  }

  /** The wall clock as use-time checks see it: ε ahead, so a token is expired from `expiry − ε`. */
  private useNowMs(): number {
    return this.clock.wallMs() + (this.deps.maxClockOffsetMs ?? 0);
  }

  /** `auth/token/tidy`: repairs dangling index keys, revokes children of vanished parents, sweeps expiry. */
  async tidy(): Promise<TidyResult> {
    await this.ensureReady();
    return tidyTokens({
      storage: this.storage,
      revokeTree: (idHash) => this.revoker.revokeTree(idHash),
      revokeExpired: () =>
        sweepDueTokens(this.expiryDeps, this.clock.wallMs(), this.deps.maxClockOffsetMs ?? 0),
    });
  }

  /** The `auth/token/*` paths; core mounts them at `auth/token/`. */
  backend(): Backend {
    return tokenBackend(this);
  }

  /** Storage the backend's role paths use (the store's own view). */
  get roleStorage(): StorageView {
    return this.storage;
  }

  /** Seal/teardown: drops the entry cache and overwrites the batch-token key in memory. */
  close(): void {
    this.cache.clear();
    this.batch.close();
    this.ready = undefined;
  }

  private async load(): Promise<void> {
    this.cache.clear();
    const salt = this.deps.salt ?? (await loadOrCreateSalt(this.storage));
    this.hasher = new TokenHasher(salt);
    await this.batch.load(this.storage);
    await migrateAccessorIndex(this.storage, this.hasher);
  }

  private async readStored(idHash: string): Promise<StoredToken | undefined> {
    const bytes = await this.storage.get(tokenKeys.entry(idHash));
    return bytes ? decodeToken(bytes) : undefined;
  }

  private async readValid(idHash: string): Promise<StoredToken | undefined> {
    if (idHash === '' || idHash.includes('/')) return undefined;
    const entry = await this.readStored(idHash);
    if (!entry || entry.revoked || isExpired(entry, this.useNowMs())) return undefined;
    return entry;
  }
}
