/**
 * A standby's read-only runtime: what lets a standby serve reads itself (`standby_reads`) and check
 * the token of a `sys/metrics` scrape. The active node's runtime is never this one.
 *
 * - Read-only by construction: it runs over a view of the barrier whose writes fail with
 *   `standby` (the caller forwards the request instead), its lease index is never loaded and no
 *   expiry or revocation work ever runs on it (core's tick only sees the active runtime).
 * - Only `standbyServedTypes` engines are instantiated; every other mount gets an inert placeholder
 *   (no connections, no caches), so its requests are forwarded (standby-reads.ts).
 * - Coherent with the applied log: Raft reports the keys each applied batch changed (`applied`,
 *   synchronously, before a ReadIndex waiter at that index resolves). Token entries and policies
 *   are dropped from their (generation-checked) caches at once; a change of the mount tables or
 *   of the audit table marks the runtime stale, and the next `acquire` first drains the reads in
 *   flight, then reloads the mounts and reopens the audit devices. A snapshot install is all of it.
 * - Built lazily (first `acquire` after `open`), torn down by `close` (activation, seal): reads in
 *   flight finish first, so an activating node never shares its audit devices with this runtime.
 */
import type { BackendFactory } from '../logical/backend.js';
import type { StorageView } from '../logical/storage-view.js';
import { ArcaError } from '../lib/errors.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';
import { mountTableKeys } from './mount-table.js';
import type { CoreLogger } from './mounts.js';
import { UnsealedRuntime, type RuntimeDeps } from './runtime.js';
import { PrefixedStorageView } from './storage-view.js';

type Below = Pick<PhysicalBackend, 'get' | 'put' | 'delete' | 'list' | 'batch'>;

/** Secrets engine types whose reads a standby serves (pure reads, no leases, no caches). */
export const standbyServedTypes: ReadonlySet<string> = new Set(['kv', 'cubbyhole']);

/** Physical keys whose change means the mounts or audit devices must be reloaded. */
const structuralKeys = new Set([mountTableKeys.secret, mountTableKeys.auth, 'core/audit']);
const tokenEntryPrefix = 'sys/token/id/';
const policyPrefix = 'sys/policy/';

/** `below` for reading; every write fails with `standby` before anything reaches storage. */
export function readOnlyView(below: Below): Below {
  const refuse = (): Promise<never> => Promise.reject(new ArcaError('standby'));
  return {
    get: (key) => below.get(key),
    list: (prefix) => below.list(prefix),
    put: refuse,
    delete: refuse,
    batch: refuse,
  };
}

/** An engine a standby does not run: no paths (its mount's requests are forwarded, never routed). */
const placeholderEngine: BackendFactory = async () => ({ type: 'standby-placeholder', paths: [] });

/** What the standby runtime needs: the active runtime's deps, and core's audit devices. */
export interface StandbyRuntimeDeps {
  runtime: Omit<RuntimeDeps, 'readOnly' | 'isActive'>;
  /** Core's audit devices (opened over the barrier while this runtime lives). */
  audit: { open(storage: StorageView): Promise<void>; close(): Promise<void> };
  /** Whether this node is a standby right now (nothing is built or handed out otherwise). */
  isStandby: () => boolean;
  logger: CoreLogger;
}

/** A runtime handed to one request; `release` when the request is done. */
export interface StandbyLease {
  runtime: UnsealedRuntime;
  release(): void;
}

/** The holder of a standby's read-only runtime; see the module comment. */
export class StandbyRuntime {
  private runtime: UnsealedRuntime | undefined;
  private auditOpen = false;
  private isOpen = false;
  /** Bumped by every structural change; the runtime is fresh when `builtGeneration` equals it. */
  private generation = 0;
  private builtGeneration = -1;
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | undefined;

  constructor(private readonly deps: StandbyRuntimeDeps) {}

  /** The node became a standby: a runtime may be built on demand from now on. */
  open(): void {
    this.isOpen = true;
    this.generation += 1;
  }

  /** The node activates or seals: nothing new is handed out; in-flight requests finish; teardown. */
  close(): Promise<void> {
    this.isOpen = false;
    return this.serially(async () => {
      await this.drained();
      const rt = this.runtime;
      this.runtime = undefined;
      this.builtGeneration = -1;
      try {
        await rt?.stop();
      } finally {
        if (this.auditOpen) {
          this.auditOpen = false;
          await this.deps.audit.close();
        }
      }
    });
  }

  /**
   * Raft applied a batch changing `keys` (or replaced everything: `reset`). Synchronous, so every
   * read that waits for this index sees its effect.
   */
  applied(keys: readonly string[], reset: boolean): void {
    const rt = this.runtime;
    if (reset) {
      this.generation += 1;
      rt?.policies.clearCaches();
      rt?.tokens.cache.clear();
      return;
    }
    let policies = false;
    for (const key of keys) {
      if (key.startsWith(tokenEntryPrefix)) rt?.tokens.cache.invalidate(key.slice(tokenEntryPrefix.length));
      else if (key.startsWith(policyPrefix)) policies = true;
      else if (structuralKeys.has(key)) this.generation += 1;
    }
    if (policies) rt?.policies.clearCaches();
  }

  /**
   * The runtime when it is built and no structural change has been applied since (a hint only:
   * requests `acquire`); undefined when stale, so a new mount is not missed.
   */
  peek(): UnsealedRuntime | undefined {
    return this.builtGeneration === this.generation ? this.runtime : undefined;
  }

  /**
   * The current runtime for one request, (re)built first when stale; undefined when this node is
   * not a standby, is closing, or the runtime cannot be built now (the caller forwards).
   */
  async acquire(): Promise<StandbyLease | undefined> {
    if (!this.usable()) return undefined;
    if (this.runtime === undefined || this.builtGeneration !== this.generation) {
      await this.refresh();
      // Still stale (a change landed during the rebuild) or failed: forward this one.
      if (!this.usable() || this.runtime === undefined || this.builtGeneration !== this.generation)
        return undefined;
    }
    const runtime = this.runtime;
    this.inflight += 1;
    let released = false;
    return {
      runtime,
      release: () => {
        if (released) return;
        released = true;
        this.inflight -= 1;
        if (this.inflight === 0) for (const wake of this.drainWaiters.splice(0)) wake();
      },
    };
  }

  private usable(): boolean {
    return this.isOpen && this.deps.isStandby();
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.serially(async () => {
      if (!this.usable()) return;
      const generation = this.generation;
      await this.drained();
      try {
        await this.rebuild();
        this.builtGeneration = generation;
      } catch (err) {
        this.deps.logger.warn({ err }, 'standby: read-only runtime not available; forwarding');
      }
    }).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    const base = this.deps.runtime;
    const barrier = readOnlyView(base.barrier);
    if (this.runtime === undefined) {
      const engines: Record<string, BackendFactory> = {};
      for (const [type, factory] of Object.entries(base.engines))
        engines[type] = standbyServedTypes.has(type) ? factory : placeholderEngine;
      const authEngines: Record<string, BackendFactory> = {};
      for (const type of Object.keys(base.authEngines)) authEngines[type] = placeholderEngine;
      this.runtime = await UnsealedRuntime.start({
        ...base,
        barrier,
        engines,
        authEngines,
        isActive: () => false,
        readOnly: true,
      });
    } else {
      await this.runtime.mounts.reload();
    }
    // Reopened with the table as applied now (same files: each device continues its chain).
    await this.deps.audit.open(new PrefixedStorageView(barrier, ''));
    this.auditOpen = true;
  }

  private drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
