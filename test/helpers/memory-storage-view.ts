/**
 * The one Map-backed StorageView for unit tests: Vault list semantics (direct children, folders
 * once with a trailing '/', sorted), an all-or-nothing batch (ops applied in order), copies in and
 * out (a caller mutating its buffer never changes what is stored), failure injection, and, when
 * asked, an async yield on every call so interleavings of concurrent requests really happen.
 * Core's real view is tested end to end by core; this one lets engines and core parts be tested alone.
 */
import type { StorageOp, StorageView } from '../../src/logical/storage-view.js';

export interface MemoryStorageViewOptions {
  /** Yield to the event loop (setImmediate) at the start of every call. Default false. */
  yieldEachCall?: boolean;
}

export class MemoryStorageView implements StorageView {
  readonly entries = new Map<string, Uint8Array>();
  /** Counts batch calls (failed ones included), so tests can check multi-key writes went through one batch. */
  batchCalls = 0;
  /** When set, the next batch throws before applying anything (to test no partial writes). */
  failNextBatch = false;
  private readonly yieldEachCall: boolean;

  constructor(options: MemoryStorageViewOptions = {}) {
    this.yieldEachCall = options.yieldEachCall ?? false;
  }

  private async tick(): Promise<void> {
    if (this.yieldEachCall) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.tick();
    const value = this.entries.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.tick();
    this.entries.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    await this.tick();
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    await this.tick();
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
    await this.tick();
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

  /** Every key and value as text (to prove no raw secret or token is ever stored). */
  dump(): string {
    return [...this.entries.entries()].map(([k, v]) => `${k}=${Buffer.from(v).toString('utf8')}`).join('\n');
  }
}
