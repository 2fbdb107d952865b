/**
 * An in-memory `PhysicalBackend` for tests and dev mode. Same semantics as the LevelDB backend
 * (key checks, Vault list semantics, atomic batches) but nothing survives the process. Values are
 * copied in and out so callers cannot mutate stored bytes.
 */
import { ArcaError } from '../../lib/errors.js';
import { checkKey, checkListPrefix, checkOps, checkValue, childEntry, compareUtf8 } from './keys.js';
import type { PhysicalBackend, PhysicalOp } from './physical.js';

/** Volatile physical storage: a map of copies. */
export class MemoryPhysical implements PhysicalBackend {
  private readonly entries = new Map<string, Uint8Array>();
  private closed = false;

  constructor() {}

  async get(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    checkKey(key);
    const value = this.entries.get(key);
    return value === undefined ? undefined : Uint8Array.from(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkKey(key);
    checkValue(value);
    this.entries.set(key, Uint8Array.from(value));
  }

  async delete(key: string): Promise<void> {
    this.checkOpen();
    checkKey(key);
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    checkListPrefix(prefix);
    const names = new Set<string>();
    for (const key of this.entries.keys()) {
      if (key.startsWith(prefix)) names.add(childEntry(prefix, key));
    }
    return [...names].sort(compareUtf8);
  }

  async batch(ops: PhysicalOp[]): Promise<void> {
    this.checkOpen();
    checkOps(ops);
    for (const op of ops) {
      if (op.type === 'put') this.entries.set(op.key, Uint8Array.from(op.value));
      else this.entries.delete(op.key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new ArcaError('unavailable', 'storage is closed');
  }
}
