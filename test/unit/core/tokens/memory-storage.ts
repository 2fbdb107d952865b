/**
 * An in-memory StorageView for token tests: Map-based, Vault list semantics (direct children,
 * folders with a trailing '/', sorted), atomic batch (validated fully before any op applies), and
 * an optional async yield on every call so interleavings of concurrent requests really happen.
 */
import type { StorageOp, StorageView } from '../../../../src/logical/storage-view.js';

export class MemoryStorageView implements StorageView {
  readonly data = new Map<string, Uint8Array>();
  batches = 0;
  /** When set, the next batch throws before applying anything (to prove atomicity). */
  failNextBatch = false;

  private async tick(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.tick();
    const value = this.data.get(key);
    return value && new Uint8Array(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.tick();
    this.data.set(key, new Uint8Array(value));
  }

  async delete(key: string): Promise<void> {
    await this.tick();
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    await this.tick();
    const names = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...names].sort();
  }

  async batch(ops: StorageOp[]): Promise<void> {
    await this.tick();
    if (this.failNextBatch) {
      this.failNextBatch = false;
      throw new Error('injected batch failure');
    }
    this.batches += 1;
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key, new Uint8Array(op.value));
      else this.data.delete(op.key);
    }
  }

  /** Every key and value as text (to prove no raw token is ever stored). */
  dump(): string {
    return [...this.data.entries()].map(([k, v]) => `${k}=${Buffer.from(v).toString('utf8')}`).join('\n');
  }
}
