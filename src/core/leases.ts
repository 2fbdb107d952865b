/**
 * The lease side of the expiration manager (Vault's ExpirationManager for secrets): every
 * lease-bearing secret gets a record behind the barrier (`sys/expire/id/<path>/<random>`, see
 * leases-record.ts) and a slot in the one expiry index that tokens share (expiration.ts), rebuilt
 * from storage when the node becomes active. When a lease comes due, the manager's tick calls
 * this class's handler, which revokes it through the issuing engine's secret type
 * (leases-engine.ts), retrying failures with Vault's backoff until the retry budget makes the
 * lease irrevocable (kept, listed, reported). Time rules (leases-timing.ts, the ε of
 * lib/clock-offset.ts): expiries are stamped once here, on the active node; renew refuses once
 * `now > expiry − ε`; expiry revokes only when `now > expiry + ε`, only while the gate is open.
 */
import { ArcaError, isArcaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { isExpiredForUse } from '../lib/clock-offset.js';
import { forEachConcurrently } from '../lib/concurrently.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import type { Rng } from '../lib/rng.js';
import type { LogicalResponse } from '../logical/response.js';
import type { StorageView } from '../logical/storage-view.js';
import { base62From } from './ids.js';
import { cappedExpiry } from './leases-batch.js';
import { revocationFailed, type FailureContext } from './leases-failure.js';
import type { ExpirationManager, ExpireContext, ExpiryTracker } from './expiration.js';
import { revokeErrorText, revokeWithEngine, type LeaseMountResolver } from './leases-engine.js';
import {
  type LeaseRecord,
  leaseRecordPrefix,
  listLeaseIds,
  lookupView,
  readLease,
  renewRefusal,
  writeLease,
} from './leases-record.js';
import { renewThroughEngine } from './leases-renew.js';
import { tidyLeases } from './leases-tidy.js';
import type { LeaseTiming } from './leases-timing.js';
import type { CoreLogger } from './mounts.js';

export type { LeaseRecord } from './leases-record.js';

/** What the manager needs from the runtime. */
export interface LeaseManagerDeps {
  /** The system view; records live under `expire/id/` within it. */
  storage: StorageView;
  clock: Clock;
  rng: Rng;
  logger: CoreLogger;
  timing: LeaseTiming;
  /** The one expiration manager: its index, tick, gate and restore (leases register a handler). */
  expiration: ExpirationManager;
  resolveMount: LeaseMountResolver;
  /** The effective default/max TTL of the mount serving a path (renewal caps). */
  mountTtls: (path: string) => { defaultSeconds: number; maxSeconds: number };
  /** Whether the token with this accessor still exists (tidy). */
  tokenExists: (accessor: string) => Promise<boolean>;
  metrics?: ArcaMetrics;
}

/** What `register` takes: the issuing request's path and the secret's lease terms. */
export interface NewLease {
  path: string;
  ttlSeconds: number;
  maxTtlSeconds?: number;
  renewable: boolean;
  tokenAccessor: string;
  /** Latest expiry (a batch token's own, leases-batch.ts): the lease is capped at it. */
  notAfterWallMs?: number;
  secretType?: string;
  internalData?: Record<string, unknown>;
}

/** Leases read in parallel on restore (Vault: 64 workers). */
const restoreWorkers = 64;

export class LeaseManager {
  private readonly index: ExpiryTracker;
  private readonly byToken = new Map<string, Set<string>>();
  private readonly attempts = new Map<string, number>();
  private readonly irrevocable = new Set<string>();
  private readonly lock = new KeyedMutex();
  private tidyRun: Promise<void> | undefined;

  /** Registers as the expiration manager's `lease` handler (its `restore` then loads the leases). */
  constructor(private readonly deps: LeaseManagerDeps) {
    this.index = deps.expiration.tracker('lease');
    deps.expiration.setHandler('lease', {
      restore: () => this.restore(),
      expire: (id, ctx) => this.expireLease(id, ctx),
    });
  }

  /** Restores every lease from storage with its stored expiry (via `ExpirationManager.restore`). */
  private async restore(): Promise<void> {
    this.byToken.clear();
    this.irrevocable.clear();
    this.attempts.clear();
    // Vault restores with 64 workers: one read per lease, in parallel.
    await forEachConcurrently(await listLeaseIds(this.deps.storage, ''), restoreWorkers, async (id) => {
      const record = await readLease(this.deps.storage, id);
      if (record !== undefined) this.track(record);
    });
    this.updateGauges();
  }

  /** Registers a lease for a response served at `input.path`; returns its id (`<path>/<random>`). */
  async register(input: NewLease): Promise<string> {
    const now = this.deps.clock.wallMs();
    const leaseId = `${input.path.replace(/\/+$/, '')}/${base62From(this.deps.rng, 24)}`;
    const record: LeaseRecord = {
      leaseId,
      path: input.path,
      ...(input.secretType === undefined ? {} : { secretType: input.secretType }),
      issueWallMs: now,
      expireWallMs: cappedExpiry(now + input.ttlSeconds * 1000, input.notAfterWallMs),
      renewable: input.renewable,
      ...(input.maxTtlSeconds ? { maxTtlSeconds: input.maxTtlSeconds } : {}),
      tokenAccessor: input.tokenAccessor,
      ...(input.notAfterWallMs === undefined ? {} : { notAfterWallMs: input.notAfterWallMs }),
      ...(input.internalData === undefined ? {} : { internalData: input.internalData }),
    };
    await writeLease(this.deps.storage, record);
    this.track(record);
    this.updateGauges();
    return leaseId;
  }

  /** The stored record (internal data included: never return it to clients). */
  lookup(leaseId: string): Promise<LeaseRecord | undefined> {
    return validId(leaseId) ? readLease(this.deps.storage, leaseId) : Promise.resolve(undefined);
  }

  /** Vault's `sys/leases/lookup` data, or undefined for an unknown lease. */
  async lookupData(leaseId: string): Promise<Record<string, unknown> | undefined> {
    const record = await this.lookup(leaseId);
    if (record === undefined) return undefined;
    const now = this.deps.clock.wallMs();
    const renewable = renewRefusal(record, this.expiredForUse(record, now)) === undefined;
    return lookupView(record, now, renewable);
  }

  /** One level of lease ids under `prefix` (folders end in `/`), as Vault's LIST. */
  listPrefix(prefix: string): Promise<string[]> {
    if (prefix.includes('..')) return Promise.resolve([]);
    return this.deps.storage.list(leaseRecordPrefix + prefix);
  }

  /**
   * Renews through the engine; the new TTL counts from now and is capped by issue time + max TTL
   * (mount or engine) with Vault's warning. 400 with Vault's texts for unknown, expired (on this
   * node's clock − ε), irrevocable or non-renewable leases.
   */
  renew(leaseId: string, incrementSeconds: number): Promise<LogicalResponse> {
    return this.lock.run(leaseId, async () => {
      const record = await this.lookup(leaseId);
      const now = this.deps.clock.wallMs();
      const refusal = renewRefusal(record, record !== undefined && this.expiredForUse(record, now));
      if (refusal !== undefined) throw new ArcaError('invalid_request', refusal);
      const { response, renewed } = await renewThroughEngine(this.deps, record!, incrementSeconds, now);
      if (renewed !== undefined) {
        await writeLease(this.deps.storage, renewed);
        this.track(renewed);
      }
      return response;
    });
  }

  /**
   * Revokes one lease now through its engine (Vault's Revoke; `force` ignores engine errors, as
   * revoke-force). Unknown ids are a no-op. An engine failure is a 400 with Vault's text and keeps
   * the lease.
   */
  revokeNow(leaseId: string, force = false): Promise<boolean> {
    return this.lock.run(leaseId, async () => {
      const record = await this.lookup(leaseId);
      if (record === undefined) return false;
      try {
        await revokeWithEngine(this.deps.resolveMount, this.deps.rng, record);
      } catch (err) {
        if (!force) throw new ArcaError('invalid_request', revokeErrorText(err));
        this.deps.logger.warn(
          { lease_id: leaseId, err: revokeErrorText(err) },
          'revocation from the backend failed, but in force mode so ignoring',
        );
      }
      await this.drop(record);
      this.deps.metrics?.leaseRevocations.inc({ result: 'success' });
      return true;
    });
  }

  /** Vault's LazyRevoke: the lease expires now and the next ticks revoke it (with retries). */
  revokeLater(leaseId: string): Promise<void> {
    return this.lock.run(leaseId, async () => {
      const record = await this.lookup(leaseId);
      if (record === undefined) return;
      const marked = { ...record, expireWallMs: Math.min(record.expireWallMs, this.deps.clock.wallMs()) };
      await writeLease(this.deps.storage, marked);
      this.track(marked);
    });
  }

  /**
   * Vault's revokePrefixCommon: a prefix that names one lease revokes it; otherwise every lease
   * under `prefix/`. `sync` revokes now (first failure → 400, the rest kept); else they are queued.
   */
  async revokePrefix(prefix: string, opts: { sync: boolean; force?: boolean }): Promise<void> {
    if (!prefix.endsWith('/')) {
      if ((await this.lookup(prefix)) !== undefined) {
        if (!opts.sync) return this.revokeLater(prefix);
        await this.revokeNow(prefix, opts.force).catch((err: unknown) => {
          throw new ArcaError('invalid_request', `failed to revoke "${prefix}": ${messageOf(err)}`);
        });
        return;
      }
      prefix += '/';
    }
    if (prefix.includes('..')) return;
    const ids = (await listLeaseIds(this.deps.storage, prefix)).map((suffix) => prefix + suffix);
    for (const [i, id] of ids.entries()) {
      try {
        if (opts.sync) await this.revokeNow(id, opts.force);
        else await this.revokeLater(id);
      } catch (err) {
        const where = `(${i + 1} / ${ids.length})`;
        throw new ArcaError('invalid_request', `failed to revoke "${id}" ${where}: ${messageOf(err)}`);
      }
    }
  }

  /** A revoked token's leases expire now (Vault's RevokeByToken); ticks revoke them. */
  async revokeByToken(accessor: string): Promise<number> {
    const ids = accessor === '' ? undefined : this.byToken.get(accessor);
    if (ids === undefined) return 0;
    for (const id of [...ids]) await this.revokeLater(id);
    return ids.size;
  }

  /**
   * Vault's lease tidy, in the background: leases whose token is gone are revoked in force mode.
   * Returns at once; `tidyDone()` resolves when the run ends. One run at a time.
   */
  startTidy(): void {
    if (this.tidyRun !== undefined) {
      this.deps.logger.warn({}, 'tidy operation on leases is already in progress');
      return;
    }
    this.tidyRun = tidyLeases({
      storage: this.deps.storage,
      logger: this.deps.logger,
      tokenExists: this.deps.tokenExists,
      revokeForced: (id) => this.revokeNow(id, true),
    })
      .then(() => undefined)
      .catch((err: unknown) => this.deps.logger.error({ err: messageOf(err) }, 'failed to tidy leases'))
      .finally(() => {
        this.tidyRun = undefined;
      });
  }

  /** Resolves when the running tidy (if any) has finished. */
  async tidyDone(): Promise<void> {
    await this.tidyRun;
  }

  /** Irrevocable leases (Vault's `sys/leases?type=irrevocable`), earliest expiry first. */
  async irrevocableLeases(): Promise<LeaseRecord[]> {
    const out: LeaseRecord[] = [];
    for (const id of this.irrevocable) {
      const record = await this.lookup(id);
      if (record !== undefined) out.push(record);
    }
    return out.sort((a, b) => a.expireWallMs - b.expireWallMs || (a.leaseId < b.leaseId ? -1 : 1));
  }

  /** Leases tracked (irrevocable ones included). */
  count(): number {
    return this.index.count() + this.irrevocable.size;
  }

  /** The expiration manager's handler for a due lease: revokes it through its engine if still due. */
  private async expireLease(id: string, ctx: ExpireContext): Promise<number> {
    const now = ctx.nowWallMs;
    return this.lock.run(id, async () => {
      const record = await this.lookup(id);
      if (record === undefined) return 0;
      if (record.revokeErr !== undefined) {
        this.irrevocable.add(id);
        return 0;
      }
      if (!this.attempts.has(id) && !ctx.isDue(record.expireWallMs)) {
        this.track(record); // renewed since it was indexed
        return 0;
      }
      if (!ctx.mayRevoke()) {
        this.index.schedule(id, now);
        return 0;
      }
      try {
        await revokeWithEngine(this.deps.resolveMount, this.deps.rng, record);
      } catch (err) {
        await revocationFailed(this.failureContext(), record, err, now);
        return 0;
      }
      await this.drop(record);
      this.deps.metrics?.leaseRevocations.inc({ result: 'success' });
      return 1;
    });
  }

  /** (Re)indexes a record by its next due time and by its token. */
  private track(record: LeaseRecord): void {
    const id = record.leaseId;
    if (record.revokeErr !== undefined) {
      this.index.untrack(id);
      this.irrevocable.add(id);
    } else {
      this.index.track(id, record.expireWallMs);
    }
    if (record.tokenAccessor !== '') {
      let ids = this.byToken.get(record.tokenAccessor);
      if (ids === undefined) this.byToken.set(record.tokenAccessor, (ids = new Set()));
      ids.add(id);
    }
  }

  private async drop(record: LeaseRecord): Promise<void> {
    await this.deps.storage.delete(leaseRecordPrefix + record.leaseId);
    const id = record.leaseId;
    this.index.untrack(id);
    this.attempts.delete(id);
    this.irrevocable.delete(id);
    const ids = this.byToken.get(record.tokenAccessor);
    if (ids !== undefined) {
      ids.delete(id);
      if (ids.size === 0) this.byToken.delete(record.tokenAccessor);
    }
    this.updateGauges();
  }

  private failureContext(): FailureContext {
    const { storage, timing, rng, logger, metrics } = this.deps;
    const { index, attempts, irrevocable } = this;
    return { storage, index, attempts, irrevocable, timing, rng, logger, metrics };
  }

  private expiredForUse(record: LeaseRecord, now: number): boolean {
    return isExpiredForUse(record.expireWallMs, now, this.epsilon);
  }

  private get epsilon(): number {
    return this.deps.timing.maxClockOffsetMs;
  }

  private updateGauges(): void {
    this.deps.metrics?.leasesIrrevocable.set(this.irrevocable.size);
  }
}

/** Lease ids are storage keys: no empty id, no climbing out of the lease folder. */
function validId(leaseId: string): boolean {
  return leaseId !== '' && !leaseId.includes('..') && !leaseId.endsWith('/');
}

function messageOf(err: unknown): string {
  if (isArcaError(err)) return err.messages.join('; ');
  return err instanceof Error ? err.message : String(err);
}
