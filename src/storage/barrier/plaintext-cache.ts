/**
 * An optional, bounded, in-memory read cache of decrypted barrier values (Vault keeps an LRU cache
 * in front of its storage too). A hit skips the storage read AND the AES-GCM open, which is most of
 * a KV read's storage cost. Memory only, never written anywhere; the barrier zeroizes and drops it
 * on seal. Only safe when every write to the physical keys it caches goes through this barrier
 * (single node); so it is off unless the composition root enables it.
 *
 * Consistency: the barrier invalidates a key when a write to it starts AND when it finishes, and a
 * fill is refused when any invalidation happened since the read began (a generation counter), so a
 * read racing a write can never leave a stale value behind. Callers get a fresh copy on every hit.
 * Write-through: a successful write caches what it wrote, but only for a key no other write
 * overlapped (begun or finished while it was in flight), so the cached value is the stored one.
 * Absence is cached too (`fill(key, null, …)`, under the same generation rule): a KV v2 write reads
 * its mount's `config`, which usually does not exist, and without this every write paid a storage
 * read for it. Absent entries are charged like empty values and invalidated like any other.
 */
import { EvictionMap } from '../../lib/eviction-order.js';

/**
 * Bytes charged per entry beyond its value: the key (UTF-16 in V8) plus the Map slot, the Buffer
 * object and its backing store header — so the byte bound is close to the memory really held.
 */
export const cacheEntryOverheadBytes = 1024;

/** What one entry is charged against the byte bound. */
export function cacheEntryBytes(key: string, valueBytes: number): number {
  return valueBytes + 2 * key.length + cacheEntryOverheadBytes;
}

/**
 * What a memoised decoded value (`peekDecoded`) is charged: an estimate of the JS heap a decoded
 * JSON record of `valueBytes` holds (measured ~1.1x its bytes for KV v2 metadata, ~1x for a version's
 * data; twice plus a little keeps the byte bound an upper bound).
 */
export function decodedEntryBytes(valueBytes: number): number {
  return 2 * valueBytes + 64;
}

/** Bounded (entries and bytes) map key → plaintext, oldest-inserted evicted first. */
export class PlaintextCache {
  /**
   * key → plaintext, or null when the key is known to be absent from storage; oldest-inserted
   * first (see EvictionMap for why not a Map's `keys().next()`).
   */
  private readonly entries = new EvictionMap<string, Uint8Array | null>();
  private bytes = 0;
  private generationCounter = 0;
  /** Keys with a write in flight: how many, and whether two ever overlapped. */
  private readonly writing = new Map<string, { count: number; overlapped: boolean }>();
  /**
   * Cached plaintext → its value decoded by `decode` (see `peekDecoded`), dropped with the entry.
   * Keyed by the entry's own buffer: an identity lookup, no second hash of the key string.
   */
  private decoded = new WeakMap<Uint8Array, { decode: unknown; value: unknown; charged: number }>();

  constructor(
    private readonly entriesMax: number,
    private readonly bytesMax: number,
    private readonly valueBytesMax: number,
  ) {}

  /** A copy of the cached plaintext, if any (undefined for a miss AND for a cached absence). */
  get(key: string): Buffer | undefined {
    return this.lookup(key) ?? undefined;
  }

  /** A copy of the cached plaintext; null when the key is cached as absent; undefined on a miss. */
  lookup(key: string): Buffer | null | undefined {
    const hit = this.entries.get(key);
    return hit === undefined || hit === null ? hit : Buffer.from(hit);
  }

  /**
   * Synchronous probe for readers that want a decoded value: the entry of `key` as `decode` makes
   * it, decoded once per entry and then shared by every caller (so `decode` must return a
   * deep-frozen value and must not keep the bytes it is given); null when `key` is cached as absent;
   * undefined on a miss AND while a write to `key` is in flight. Why that suffices for a snapshot:
   * when no write to a key is in flight its entry equals the stored value (every write drops it
   * when it begins and when it ends; a fill whose read overlapped an invalidation is refused), so
   * the values peeked in one synchronous run, with no `await` in between, are one committed state —
   * a batch that wrote several of them is seen wholly or not at all. The memo is charged against
   * the byte bound (`decodedEntryBytes`) and simply not kept when it does not fit.
   */
  peekDecoded<T>(key: string, decode: (plaintext: Uint8Array) => T): T | null | undefined {
    if (this.writing.size !== 0 && this.writing.has(key)) return undefined;
    const hit = this.entries.get(key);
    if (hit === undefined || hit === null) return hit;
    const memo = this.decoded.get(hit);
    if (memo !== undefined && memo.decode === decode) return memo.value as T;
    const value = decode(hit);
    const charged = decodedEntryBytes(hit.length);
    if (memo !== undefined) {
      this.bytes -= memo.charged;
      this.decoded.delete(hit);
    }
    if (this.bytes + charged <= this.bytesMax) {
      this.decoded.set(hit, { decode, value, charged });
      this.bytes += charged;
    }
    return value;
  }

  /** Pass to `fill` with the value read afterwards. */
  generation(): number {
    return this.generationCounter;
  }

  /**
   * Caches a copy of `plaintext` (null: the key is absent) for `key` unless something was
   * invalidated since `generation`.
   */
  fill(key: string, plaintext: Uint8Array | null, generation: number): void {
    const length = plaintext === null ? 0 : plaintext.length;
    if (generation !== this.generationCounter || length > this.valueBytesMax) return;
    this.drop(key);
    const charged = cacheEntryBytes(key, length);
    if (charged > this.bytesMax) return;
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.entriesMax || this.bytes + charged > this.bytesMax)
    ) {
      const oldest = this.entries.oldestKey();
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    this.entries.set(key, plaintext === null ? null : ownCopy(plaintext));
    this.bytes += charged;
  }

  /** A write to `keys` begins: drops them and refuses fills begun before now. */
  beginWrite(keys: readonly string[]): void {
    this.invalidate(keys);
    for (const key of keys) {
      const inFlight = this.writing.get(key);
      if (inFlight === undefined) this.writing.set(key, { count: 1, overlapped: false });
      else {
        inFlight.count += 1;
        inFlight.overlapped = true;
      }
    }
  }

  /**
   * The write begun with `beginWrite(keys)` finished: drops them again, then caches `written`
   * (key → the plaintext now stored; omit on failure) for each key no other write overlapped.
   * After `clear` (seal) nothing is in flight any more, so nothing is cached.
   */
  endWrite(keys: readonly string[], written?: ReadonlyMap<string, Uint8Array>): void {
    this.invalidate(keys);
    for (const key of keys) {
      const inFlight = this.writing.get(key);
      if (inFlight === undefined) continue;
      inFlight.count -= 1;
      if (inFlight.count > 0) continue;
      this.writing.delete(key);
      const value = written?.get(key);
      if (!inFlight.overlapped && value !== undefined) this.fill(key, value, this.generationCounter);
    }
  }

  /** Drops `keys` and refuses fills begun before now. */
  invalidate(keys: Iterable<string>): void {
    this.generationCounter += 1;
    for (const key of keys) this.drop(key);
  }

  /** Zeroizes and drops everything (seal). */
  clear(): void {
    this.generationCounter += 1;
    this.writing.clear();
    for (const value of this.entries.values()) value?.fill(0);
    this.entries.clear();
    this.decoded = new WeakMap();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes charged against the bound now (values, keys and per-entry overhead). */
  get chargedBytes(): number {
    return this.bytes;
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    old?.fill(0);
    this.bytes -= cacheEntryBytes(key, old === null ? 0 : old.length);
    this.entries.delete(key);
    const memo = old === null ? undefined : this.decoded.get(old);
    if (memo !== undefined) {
      this.bytes -= memo.charged;
      this.decoded.delete(old!);
    }
  }
}

/**
 * A copy of `bytes` in its own ArrayBuffer. `Buffer.from` would copy a small value into Node's
 * shared 8 KiB allocation pool, and one long-lived cached slice keeps its whole pool alive: with
 * request traffic filling the rest of each pool, a 350-byte entry held ~7 KiB of memory.
 */
function ownCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}
