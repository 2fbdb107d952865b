/**
 * A Map-backed StorageView for engine unit tests: Vault list semantics (direct children, folders
 * once with a trailing '/', sorted) and an all-or-nothing batch. Core's real view is tested end to
 * end by core; this one lets engines be tested alone.
 */
import type { StorageOp, StorageView } from '../../src/logical/storage-view.js';

export class MemoryStorageView implements StorageView {
  readonly entries = new Map<string, Uint8Array>();
  /** Counts batch calls, so tests can check multi-key writes went through one batch. */
  batchCalls = 0;
  /** When set, the next batch throws before applying anything (to test no partial writes). */
  failNextBatch = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.entries.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...names].sort();
  }

  async batch(ops: StorageOp[]): Promise<void> {
    this.batchCalls += 1;
    if (this.failNextBatch) {
      this.failNextBatch = false;
      throw new Error('injected batch failure');
    }
    for (const op of ops) {
      if (op.type === 'put') this.entries.set(op.key, op.value.slice());
      else this.entries.delete(op.key);
    }
  }

  /** Keys currently stored, sorted. */
  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
