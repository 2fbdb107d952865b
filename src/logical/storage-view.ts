/**
 * The storage an engine sees: chrooted to its mount (it cannot name another mount's keys) and
 * already behind the barrier (values are plaintext here, ciphertext below). Keys are '/'-separated.
 */

/** One operation of an atomic batch. */
export type StorageOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'delete'; key: string };

export interface StorageView {
  /** The value at `key`, or undefined when absent (absence is a result, not an error). */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Vault list semantics: the names directly under `prefix` (which is '' or ends in '/'), sorted;
   * a name that has children below it appears once with a trailing '/'.
   */
  list(prefix: string): Promise<string[]>;
  /** Applies every op or none (so a multi-key write is never half-done). */
  batch(ops: StorageOp[]): Promise<void>;
  /**
   * Optional synchronous probe of the barrier's read cache (views over a cached barrier have it):
   * the value at `key` as `decode` makes it — decoded once per cache entry and shared, so `decode`
   * must deep-freeze what it returns — null when known absent, undefined when not cached (then
   * `get` it). Values peeked with no `await` in between come from one committed state, so a reader
   * can take several keys written together by one `batch` without a lock (barrier/plaintext-cache.ts).
   */
  peekDecoded?<T>(key: string, decode: (plaintext: Uint8Array) => T): T | null | undefined;
}
