/**
 * A small in-memory cache of validated token entries, keyed by the token's salted hash, so the
 * per-request `authenticate` skips the storage read, decryption and JSON parse (Vault keeps a
 * similar cache of token entries). Memory only, bounded, and never the source of truth:
 *
 * - Only unlimited-use (`numUses === 0`), unrevoked entries are cached; limited-use tokens always
 *   go to storage under their lock, so a use can never be skipped or overspent.
 * - Expiry is still checked against the clock on every hit (by the caller).
 * - Every write that names `id/<idHash>` through `invalidatingView` drops that entry when the write
 *   starts AND when it finishes, and bumps a generation counter; a reader only fills the cache if no
 *   invalidation happened since it started reading, so a read racing a revocation or renewal can
 *   never leave a stale entry behind. Revocation therefore takes effect at once.
 * - The token store clears it on (re)initialisation; it is dropped with the runtime on seal.
 */
import { limits } from '../../lib/limits.js';
import { EvictionMap } from '../../lib/eviction-order.js';
import type { StorageOp, StorageView } from '../../logical/storage-view.js';
import type { StoredToken } from './token-entry.js';

const entryPrefix = 'id/';

/** Bounded map idHash → stored entry with write-driven invalidation. */
export class TokenEntryCache {
  /** Oldest-inserted first (see EvictionMap for why not a Map's `keys().next()`). */
  private readonly entries = new EvictionMap<string, StoredToken>();
  private generationCounter = 0;

  constructor(private readonly entriesMax: number = limits.tokenCacheEntriesMax) {}

  /** The cached entry (shared: callers must not mutate it), if any. */
  get(idHash: string): StoredToken | undefined {
    return this.entries.get(idHash);
  }

  /** A token to pass to `fill` later: fills are refused if anything was invalidated since. */
  generation(): number {
    return this.generationCounter;
  }

  /** Caches `entry` read at `generation`, if it is cacheable and nothing changed since. */
  fill(entry: StoredToken, generation: number): void {
    if (generation !== this.generationCounter) return;
    if (entry.numUses !== 0 || entry.revoked === true) return;
    if (this.entries.size >= this.entriesMax && !this.entries.has(entry.idHash)) {
      const oldest = this.entries.oldestKey();
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(entry.idHash, entry);
  }

  /** Drops one entry (and refuses fills begun before now). */
  invalidate(idHash: string): void {
    this.generationCounter += 1;
    this.entries.delete(idHash);
  }

  /** Drops everything. */
  clear(): void {
    this.generationCounter += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** A view of `storage` whose writes to `id/<idHash>` invalidate this cache (before and after). */
  invalidatingView(storage: StorageView): StorageView {
    const touch = (keys: string[]): void => {
      for (const key of keys) if (key.startsWith(entryPrefix)) this.invalidate(key.slice(entryPrefix.length));
    };
    const around = async (keys: string[], write: () => Promise<void>): Promise<void> => {
      touch(keys);
      try {
        await write();
      } finally {
        touch(keys);
      }
    };
    return {
      get: (key) => storage.get(key),
      list: (prefix) => storage.list(prefix),
      put: (key, value) => around([key], () => storage.put(key, value)),
      delete: (key) => around([key], () => storage.delete(key)),
      batch: (ops: StorageOp[]) =>
        around(
          ops.map((op) => op.key),
          () => storage.batch(ops),
        ),
    };
  }
}
