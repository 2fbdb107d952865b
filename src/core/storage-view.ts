/**
 * `StorageView` over the barrier (or any physical backend), chrooted to a prefix: an engine's
 * keys become `<prefix><key>` below, so it cannot name another mount's data. List, get and batch
 * pass straight through (the barrier keeps Vault's list semantics and batch atomicity).
 */
import { decodeStoredJson, type Shape } from '../lib/shape.js';
import { ArcaError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { StorageOp, StorageView } from '../logical/storage-view.js';
import type { PhysicalBackend } from '../storage/physical/physical.js';

type Below = Pick<PhysicalBackend, 'get' | 'put' | 'delete' | 'list' | 'batch'> &
  Pick<StorageView, 'peekDecoded'>;

/** A view of `below` restricted to keys under `prefix` ('' or ending in '/'). */
export class PrefixedStorageView implements StorageView {
  constructor(
    private readonly below: Below,
    readonly prefix: string,
  ) {}

  /** A view nested under this one (`sub('x/')` sees `<prefix>x/...`). */
  sub(prefix: string): PrefixedStorageView {
    return new PrefixedStorageView(this.below, this.prefix + prefix);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.below.get(this.full(key));
  }

  /** The barrier's cache probe under this prefix (see `StorageView.peekDecoded`); none below → undefined. */
  peekDecoded<T>(key: string, decode: (plaintext: Uint8Array) => T): T | null | undefined {
    const below = this.below;
    return below.peekDecoded === undefined ? undefined : below.peekDecoded(this.full(key), decode);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.below.put(this.full(key), value);
  }

  delete(key: string): Promise<void> {
    return this.below.delete(this.full(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.below.list(this.full(prefix));
  }

  batch(ops: StorageOp[]): Promise<void> {
    return this.below.batch(ops.map((op) => ({ ...op, key: this.full(op.key) })));
  }

  private full(key: string): string {
    const full = this.prefix + key;
    if (Buffer.byteLength(full, 'utf8') > limits.storageKeyBytesMax) {
      throw new ArcaError('invalid_request', `storage key longer than ${limits.storageKeyBytesMax} bytes`);
    }
    return full;
  }
}

/** Deletes every key under `prefix` of `view` (used when a mount is disabled). */
export async function clearPrefix(view: StorageView, prefix = ''): Promise<void> {
  const names = await view.list(prefix);
  const deletes: StorageOp[] = [];
  for (const name of names) {
    if (name.endsWith('/')) await clearPrefix(view, prefix + name);
    else deletes.push({ type: 'delete', key: prefix + name });
  }
  if (deletes.length > 0) await view.batch(deletes);
}

/**
 * Reads one of core's own JSON records from the barrier, checked against `shape` (a record of the
 * wrong shape is a 500 `integrity_failure`, see `decodeStoredJson`); undefined when absent.
 */
export async function readJson<T>(
  view: Pick<StorageView, 'get'>,
  key: string,
  shape: Shape<T>,
): Promise<T | undefined> {
  const bytes = await view.get(key);
  return bytes === undefined ? undefined : decodeStoredJson(bytes, shape, key);
}

export function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
