/**
 * Helpers every physical backend shares: the key and value bounds (so a bad key is refused before
 * it can fail a whole group-committed batch) and Vault's list semantics over a sorted key stream.
 */
import { ArcaError } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { PhysicalOp } from './physical.js';

/** Refuses keys no backend should store: empty, too long, or not a string. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ArcaError('invalid_request', 'storage key must be a non-empty string');
  }
  if (Buffer.byteLength(key, 'utf8') > limits.storageKeyBytesMax) {
    throw new ArcaError('invalid_request', `storage key longer than ${limits.storageKeyBytesMax} bytes`);
  }
}

/** Refuses values that are not bytes or exceed `limits.storageValueBytesMax`. */
export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new ArcaError('invalid_request', 'storage value must be bytes');
  }
  if (value.byteLength > limits.storageValueBytesMax) {
    throw new ArcaError(
      'payload_too_large',
      `storage value larger than ${limits.storageValueBytesMax} bytes`,
    );
  }
}

/** Validates every op of a batch up front, so a batch is refused whole and never half-applied. */
export function checkOps(ops: readonly PhysicalOp[]): void {
  if (!Array.isArray(ops)) throw new ArcaError('invalid_request', 'batch must be an array of operations');
  for (const op of ops) {
    checkKey(op.key);
    if (op.type === 'put') checkValue(op.value);
    else if (op.type !== 'delete')
      throw new ArcaError('invalid_request', 'batch operation must be put or delete');
  }
}

/** Refuses list prefixes that are neither '' nor end in '/' (Vault only lists folders). */
export function checkListPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.endsWith('/'))) {
    throw new ArcaError('invalid_request', "list prefix must be '' or end in '/'");
  }
}

/**
 * The list entry a key contributes under `prefix` (Vault semantics): the direct child name, or
 * the folder name with a trailing '/' when the key lies deeper. `key` must start with `prefix`.
 */
export function childEntry(prefix: string, key: string): string {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(0, slash + 1);
}

/** Byte-order comparison of UTF-8 strings (LevelDB's order, Go's sort.Strings). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
