/**
 * The one expiration manager (Vault's ExpirationManager): every lease and every service token
 * with a TTL sits in ONE index ordered by when it is next due (leases-index.ts), rebuilt from
 * storage when the node becomes active (`restore`), and ONE tick (`expireDue`, from `Core.tick`,
 * no timers) hands what is due to the revoke handler of its kind: the lease manager (which calls
 * the issuing engine, leases.ts) or the token store (which revokes the token's tree, as Vault's
 * revokeEntry does for auth leases). Same time rules for both (the ε of lib/clock-offset.ts,
 * leases-timing.ts): an item is due at expiry + ε + 1 ms and a handler revokes only while
 * `isDue(expiry)` (now > expiry + ε) still holds on the entry it re-read under its own lock; the
 * gate opens only on the active node after the activation grace and closes for good on
 * deactivation, so a node that just took over or lost leadership revokes neither kind.
 */
import { assert } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { isDueForRevocation, revocationDueWallMs } from '../lib/clock-offset.js';
import { forEachConcurrently } from '../lib/concurrently.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import { ExpiryIndex } from './leases-index.js';
import { RevocationGate, type LeaseTiming } from './leases-timing.js';
import type { ExpireContext, ExpiryHandler, ExpiryTracker } from './expiration-port.js';
import type { CoreLogger } from './mounts.js';

export type { ExpireContext, ExpiryHandler, ExpiryTracker } from './expiration-port.js';

/** What the manager tracks: leases (by lease id, always with a '/') and tokens (by id hash, never with one). */
export type ExpiryKind = 'lease' | 'token';

const kindTags: Record<ExpiryKind, number> = { lease: 0, token: 1 };
const tagKinds: ExpiryKind[] = ['lease', 'token'];

/** What the manager needs from the runtime. */
export interface ExpirationDeps {
  clock: Clock;
  logger: CoreLogger;
  timing: LeaseTiming;
  /** Whether this node is the active one (HA); expiry-driven revocation runs only then. */
  isActive: () => boolean;
  metrics?: ArcaMetrics;
}

export class ExpirationManager {
  private readonly index = new ExpiryIndex();
  private readonly gate: RevocationGate;
  private readonly handlers = new Map<ExpiryKind, ExpiryHandler>();

  /** Starts the activation grace now (the runtime is built when the node becomes active). */
  constructor(private readonly deps: ExpirationDeps) {
    this.gate = new RevocationGate(deps.clock, deps.timing, deps.isActive);
  }

  /** Installs the revoke handler of `kind` (once, before `restore`). */
  setHandler(kind: ExpiryKind, handler: ExpiryHandler): void {
    assert(!this.handlers.has(kind), `expiry handler for ${kind} set twice`);
    this.handlers.set(kind, handler);
  }

  /** The tracker `kind`'s code feeds (register, renew, revoke). */
  tracker(kind: ExpiryKind): ExpiryTracker {
    const tag = kindTags[kind];
    const set = (id: string, dueWallMs: number): void => {
      // Lease ids are `<path>/<random>`; token id hashes have no '/': the id spaces never meet.
      assert(id.includes('/') === (kind === 'lease'), `malformed ${kind} id in the expiry index`);
      this.index.set(id, dueWallMs, tag);
    };
    return {
      track: (id, expireWallMs) => {
        if (expireWallMs === 0) this.untrack(id);
        else set(id, revocationDueWallMs(expireWallMs, this.epsilonMs));
      },
      schedule: set,
      dueNow: (id) => set(id, 0),
      untrack: (id) => this.untrack(id),
      count: () => this.index.countOf(tag),
    };
  }

  /** Rebuilds the index from storage, every kind (post-unseal / on activation). */
  async restore(): Promise<void> {
    this.index.clear();
    for (const [kind, handler] of this.handlers) await handler.restore(this.tracker(kind));
    const counts = tagKinds.map((kind) => `${this.index.countOf(kindTags[kind])} ${kind}s`);
    this.deps.logger.info({ tracked: this.index.size }, `expiration: restored ${counts.join(', ')}`);
  }

  /**
   * Tick: hands what is due to its handler, at most `maxRevocationsPerTick` items, only while the
   * gate is open, `revocationConcurrency` at a time. Returns how many items were revoked.
   */
  async expireDue(): Promise<number> {
    const now = this.deps.clock.wallMs();
    const due: { id: string; kind: number }[] = [];
    while (due.length < this.deps.timing.maxRevocationsPerTick && this.gate.isOpen()) {
      const item = this.index.popDueItem(now);
      if (item === undefined) break;
      due.push(item);
    }
    const epsilonMs = this.epsilonMs;
    const ctx: ExpireContext = {
      nowWallMs: now,
      isDue: (expireWallMs) => isDueForRevocation(expireWallMs, now, epsilonMs),
      mayRevoke: () => this.gate.isOpen(),
    };
    let revoked = 0;
    await forEachConcurrently(due, this.deps.timing.revocationConcurrency, async ({ id, kind }) => {
      const name = tagKinds[kind];
      try {
        const count = await this.handlers.get(name)!.expire(id, ctx);
        revoked += count;
        if (name === 'token') this.deps.metrics?.tokenExpirations.inc(count);
      } catch (err) {
        // Storage trouble (not an engine refusal, which the lease handler retries itself): keep
        // the item due and try again on a later tick.
        if (!this.index.has(id)) this.index.set(id, now + this.deps.timing.revokeRetryBaseMs, kind);
        const message = err instanceof Error ? err.message : String(err);
        this.deps.logger.warn({ kind: name, err: message }, 'expiry failed; will retry');
      }
    });
    return revoked;
  }

  /** Stops expiry-driven revocation for good (deactivation, seal): nothing revokes after it. */
  stop(): void {
    this.gate.stop();
  }

  /** Whether expiry work may run now (active, past the activation grace, not stopped). */
  expiryAllowed(): boolean {
    return this.gate.isOpen();
  }

  /** How many items of `kind` are indexed. */
  count(kind: ExpiryKind): number {
    return this.index.countOf(kindTags[kind]);
  }

  /** When `id` is next due (wall ms), or undefined when it is not indexed (tests, lookups). */
  dueWallMs(id: string): number | undefined {
    return this.index.dueOf(id);
  }

  /** Items indexed, per kind (the `arca_expiration_pending` gauge, set at scrape time). */
  pending(): Record<ExpiryKind, number> {
    return { lease: this.count('lease'), token: this.count('token') };
  }

  private untrack(id: string): void {
    this.index.remove(id);
  }

  private get epsilonMs(): number {
    return this.deps.timing.maxClockOffsetMs;
  }
}
