/**
 * The security barrier: an AES-256-GCM `PhysicalBackend` over another one. Plaintext in,
 * ciphertext below; Raft, LevelDB files and snapshots only ever see ciphertext.
 *
 * Key hierarchy: each value is encrypted by the keyring's active term key; the keyring is stored
 * at `core/keyring`, sealed under the 32-byte root key (which the seal unwraps with the KEK).
 *
 * Value layout: version u8 (=1) ‖ term u32 BE ‖ nonce (12) ‖ GCM ciphertext ‖ tag (16). The header
 * and the storage path are the additional authenticated data, so a ciphertext copied to another
 * key, a changed term or any flipped bit fails with `integrity_failure`, never returns garbage.
 *
 * While sealed every data operation throws `sealed`. The reserved seal/barrier keys
 * (`reserved-keys.ts`) cannot be read, written, deleted or listed through this API.
 */
import { assert } from '../../lib/assert.js';
import { constantTimeEqual, zeroize } from '../../lib/bytes.js';
import type { Clock } from '../../lib/clock.js';
import { ArcaError } from '../../lib/errors.js';
import { checkListPrefix } from '../physical/keys.js';
import type { PhysicalBackend, PhysicalOp } from '../physical/physical.js';
import { aeadKeyBytes, aeadOpen, aeadSeal } from './aead.js';
import { Keyring } from './keyring.js';
import { PlaintextCache } from './plaintext-cache.js';
import { isReservedPhysicalKey, keyringKey } from './reserved-keys.js';

/** What `sys/key-status` shows: the active term, when it was installed, encryptions under it. */
export interface KeyStatus {
  term: number;
  installTimeMs: number;
  encryptions: number;
}

/** Format version of barrier ciphertexts (first byte). */
export const barrierValueVersion = 1;
/** Bytes of the ciphertext header: version u8 ‖ term u32. */
export const barrierHeaderBytes = 5;
const keyringRecordVersion = 1;

/** Reads the key term named in a barrier ciphertext header (for tests, tooling and metrics). */
export function ciphertextTerm(value: Uint8Array): number | undefined {
  if (value.length < barrierHeaderBytes || value[0] !== barrierValueVersion) return undefined;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).readUInt32BE(1);
}

/** AES-256-GCM barrier with a rotating keyring; see the module comment for the format. */
export class Barrier implements PhysicalBackend {
  private keyring: Keyring | undefined;
  private rootKey: Buffer | undefined;
  /** Serialises keyring writes (rotate, reload) so two rotations cannot lose a term. */
  private keyringLock: Promise<unknown> = Promise.resolve();

  /** Decrypted-value read cache; only when every physical write goes through this barrier. */
  private readonly cache: PlaintextCache | undefined;

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly clock: Clock,
    options: { readCache?: { entriesMax: number; bytesMax: number; valueBytesMax: number } } = {},
  ) {
    const c = options.readCache;
    this.cache = c && new PlaintextCache(c.entriesMax, c.bytesMax, c.valueBytesMax);
  }

  /** True when a keyring exists in physical storage. */
  async isInitialized(): Promise<boolean> {
    return (await this.physical.get(keyringKey)) !== undefined;
  }

  /**
   * Creates the term-1 keyring sealed under `rootKey` and leaves the barrier UNSEALED (so core can
   * write the root token before sealing). `extraOps` (physical ops of the seal: wrapped root key,
   * seal config) are written in the SAME synced batch, so initialisation is all-or-nothing.
   */
  async initialize(rootKey: Uint8Array, extraOps: PhysicalOp[] = []): Promise<void> {
    assert(rootKey.length === aeadKeyBytes, 'root key must be 32 bytes');
    if (await this.isInitialized()) throw new ArcaError('already_initialized');
    const keyring = Keyring.create(this.clock.wallMs());
    const sealed = sealKeyring(rootKey, keyring);
    await this.physical.batch([...extraOps, { type: 'put', key: keyringKey, value: sealed }]);
    this.install(keyring, rootKey);
  }

  /** Opens the keyring with `rootKey`; `invalid_unseal_key` if it cannot. */
  async unseal(rootKey: Uint8Array): Promise<void> {
    const keyring = await this.readKeyring(rootKey);
    this.install(keyring, rootKey);
  }

  /**
   * True when `candidate` is the root key this barrier was unsealed with (constant time). The
   * key-holder ceremonies prove a share quorum this way (Vault's `VerifyRoot`); `sealed` if sealed.
   */
  isRootKey(candidate: Uint8Array): boolean {
    return constantTimeEqual(this.unsealedState().rootKey, candidate);
  }

  /**
   * Runs `fn` with the in-memory root key (not a copy: `fn` must not keep it), so a rekey can
   * wrap it under a new KEK without the old shares. `sealed` when sealed.
   */
  withRootKey<T>(fn: (rootKey: Uint8Array) => T): T {
    return fn(this.unsealedState().rootKey);
  }

  /** Zeroizes the in-memory keys; every data op then throws `sealed`. */
  seal(): void {
    this.cache?.clear();
    this.keyring?.zeroize();
    zeroize(this.rootKey);
    this.keyring = undefined;
    this.rootKey = undefined;
  }

  isSealed(): boolean {
    return this.keyring === undefined;
  }

  /**
   * Installs a new active term. Older terms stay for decryption. The new keyring is persisted (one
   * put, atomic) before it is used, so no value is ever written under a term the disk lacks.
   */
  rotate(): Promise<KeyStatus> {
    return this.withKeyringLock(async () => {
      const { keyring, rootKey } = this.unsealedState();
      // Read-modify-write of the STORED keyring: under replication another node may have rotated
      // since this one loaded its keyring, and deriving the next term from memory would mint a
      // second, different key for a term that already encrypts data.
      const stored = await this.readKeyring(rootKey);
      let next: Keyring;
      try {
        next = stored.withNewTerm(this.clock.wallMs());
      } finally {
        stored.zeroize();
      }
      try {
        await this.physical.put(keyringKey, sealKeyring(rootKey, next));
      } catch (err) {
        next.zeroize();
        throw err;
      }
      if (this.keyring !== keyring) {
        // Sealed (or re-unsealed) while persisting: the disk has the new term; memory must not.
        next.zeroize();
        throw new ArcaError('sealed');
      }
      next.carryCountsFrom(keyring);
      this.keyring = next;
      keyring.zeroize();
      return this.keyStatus();
    });
  }

  /**
   * Writes the in-memory encryption counts into the stored keyring (read-modify-write of the
   * stored keyring, like `rotate`, so a term another node added is kept), so the count that drives
   * automatic rotation survives a restart or a failover.
   */
  persistEncryptionCounts(): Promise<void> {
    return this.withKeyringLock(async () => {
      const { keyring, rootKey } = this.unsealedState();
      const stored = await this.readKeyring(rootKey);
      try {
        stored.carryCountsFrom(keyring);
        await this.physical.put(keyringKey, sealKeyring(rootKey, stored));
      } finally {
        stored.zeroize();
      }
    });
  }

  /**
   * Drops cached plaintext of `keys`: a replicated write below this barrier (applied by the Raft
   * state machine, not written through here) changed them.
   */
  invalidate(keys: Iterable<string>): void {
    this.cache?.invalidate(keys);
  }

  /** Drops every cached plaintext (a node becoming active, or a snapshot was installed below). */
  purgeCache(): void {
    this.cache?.clear();
  }

  /** The active term's status; `sealed` while sealed. */
  keyStatus(): KeyStatus {
    const { term, installTimeMs, encryptions } = this.unsealedState().keyring.activeKey();
    return { term, installTimeMs, encryptions };
  }

  /**
   * Re-reads the keyring from physical storage with the in-memory root key (a standby must do this
   * after the active node rotated; `get` does it by itself on meeting an unknown term).
   */
  reloadKeyring(): Promise<void> {
    return this.withKeyringLock(async () => {
      const { rootKey } = this.unsealedState();
      const fresh = await this.readKeyring(rootKey);
      const current = this.keyring;
      if (current === undefined) {
        fresh.zeroize();
        throw new ArcaError('sealed');
      }
      fresh.carryCountsFrom(current);
      this.keyring = fresh;
      current.zeroize();
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.unsealedState();
    checkNotReserved(key);
    const hit = this.cache?.lookup(key);
    if (hit !== undefined) return hit ?? undefined;
    const generation = this.cache?.generation() ?? 0;
    const stored = await this.physical.get(key);
    if (stored === undefined) {
      this.cache?.fill(key, null, generation);
      return undefined;
    }
    const term = ciphertextTerm(stored);
    if (term === undefined) throw integrityFailure(key, 'unknown ciphertext format');
    if (this.unsealedState().keyring.keyFor(term) === undefined) await this.reloadKeyring();
    const plaintext = this.decrypt(key, stored, term);
    this.cache?.fill(key, plaintext, generation);
    return plaintext;
  }

  /**
   * Synchronous read-cache probe (no storage read, no decryption, no promise): see
   * `PlaintextCache.peekDecoded`; undefined without a read cache. Throws `sealed` while sealed.
   */
  peekDecoded<T>(key: string, decode: (plaintext: Uint8Array) => T): T | null | undefined {
    if (this.cache === undefined) return undefined;
    if (this.keyring === undefined) throw new ArcaError('sealed');
    checkNotReserved(key);
    return this.cache.peekDecoded(key, decode);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.unsealedState();
    checkNotReserved(key);
    const sealed = this.encrypt(key, value);
    await this.invalidating([key], () => this.physical.put(key, sealed), [{ type: 'put', key, value }]);
  }

  async delete(key: string): Promise<void> {
    this.unsealedState();
    checkNotReserved(key);
    await this.invalidating([key], () => this.physical.delete(key));
  }

  async list(prefix: string): Promise<string[]> {
    this.unsealedState();
    checkListPrefix(prefix);
    const names = await this.physical.list(prefix);
    return names.filter((name) => !isReservedPhysicalKey(prefix + name));
  }

  async batch(ops: PhysicalOp[]): Promise<void> {
    this.unsealedState();
    for (const op of ops) checkNotReserved(op.key);
    const sealed = ops.map((op): PhysicalOp =>
      op.type === 'put' ? { type: 'put', key: op.key, value: this.encrypt(op.key, op.value) } : op,
    );
    await this.invalidating(
      ops.map((op) => op.key),
      () => this.physical.batch(sealed),
      ops,
    );
  }

  /**
   * Encrypts `plaintext` exactly as `put(path, …)` would, but stores nothing: for values that
   * travel instead of being stored (a Raft join challenge, src/core/join-challenge.ts). Only a
   * barrier unsealed with the same keyring can `openDetached` it, and only for the same path.
   */
  sealDetached(path: string, plaintext: Uint8Array): Buffer {
    checkNotReserved(path);
    return this.encrypt(path, plaintext);
  }

  /** Decrypts a `sealDetached` value for `path`; `integrity_failure` when it does not authenticate. */
  openDetached(path: string, stored: Uint8Array): Uint8Array {
    checkNotReserved(path);
    const term = ciphertextTerm(stored);
    if (term === undefined) throw integrityFailure(path, 'unknown ciphertext format');
    return this.decrypt(path, stored, term);
  }

  /**
   * Runs a write with the read cache invalidated for `keys` before and after it; on success the
   * plaintexts of `ops`' puts (copied now, as they were encrypted) are written through to the cache.
   */
  private async invalidating(
    keys: string[],
    write: () => Promise<void>,
    ops: PhysicalOp[] = [],
  ): Promise<void> {
    const cache = this.cache;
    if (cache === undefined) return write();
    const written = new Map<string, Uint8Array>();
    for (const op of ops) if (op.type === 'put') written.set(op.key, Buffer.from(op.value));
    cache.beginWrite(keys);
    let stored = false;
    try {
      await write();
      stored = true;
    } finally {
      cache.endWrite(keys, stored ? written : undefined);
      for (const value of written.values()) value.fill(0);
    }
  }

  /** Seals (zeroizing keys) and closes the physical backend below. */
  async close(): Promise<void> {
    this.seal();
    await this.physical.close();
  }

  private encrypt(path: string, plaintext: Uint8Array): Buffer {
    const termKey = this.unsealedState().keyring.activeKey();
    const header = Buffer.alloc(barrierHeaderBytes);
    header.writeUInt8(barrierValueVersion, 0);
    header.writeUInt32BE(termKey.term, 1);
    const sealed = aeadSeal(termKey.key, plaintext, aadFor(header, path), header);
    termKey.encryptions += 1;
    return sealed;
  }

  private decrypt(path: string, stored: Uint8Array, term: number): Uint8Array {
    const termKey = this.unsealedState().keyring.keyFor(term);
    if (termKey === undefined) throw integrityFailure(path, `unknown key term ${term}`);
    const header = stored.subarray(0, barrierHeaderBytes);
    const plaintext = aeadOpen(termKey.key, stored.subarray(barrierHeaderBytes), aadFor(header, path));
    if (plaintext === undefined) throw integrityFailure(path, 'authentication failed');
    return plaintext;
  }

  private async readKeyring(rootKey: Uint8Array): Promise<Keyring> {
    const stored = await this.physical.get(keyringKey);
    if (stored === undefined) throw new ArcaError('not_initialized');
    if (rootKey.length !== aeadKeyBytes || stored.length < 1 || stored[0] !== keyringRecordVersion) {
      throw new ArcaError('invalid_unseal_key');
    }
    const plaintext = aeadOpen(rootKey, stored.subarray(1), keyringAad);
    if (plaintext === undefined) throw new ArcaError('invalid_unseal_key');
    try {
      return Keyring.decode(plaintext);
    } finally {
      zeroize(plaintext);
    }
  }

  private install(keyring: Keyring, rootKey: Uint8Array): void {
    this.seal();
    this.keyring = keyring;
    this.rootKey = Buffer.from(rootKey);
  }

  private unsealedState(): { keyring: Keyring; rootKey: Buffer } {
    if (this.keyring === undefined || this.rootKey === undefined) throw new ArcaError('sealed');
    return { keyring: this.keyring, rootKey: this.rootKey };
  }

  private withKeyringLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.keyringLock.then(fn, fn);
    this.keyringLock = run.catch(() => undefined);
    return run;
  }
}

const keyringAad = Buffer.from(keyringKey, 'utf8');

/** Seals an encoded keyring under the root key: version u8 ‖ nonce ‖ ciphertext ‖ tag. */
function sealKeyring(rootKey: Uint8Array, keyring: Keyring): Buffer {
  const plaintext = keyring.encode();
  try {
    return aeadSeal(rootKey, plaintext, keyringAad, Buffer.from([keyringRecordVersion]));
  } finally {
    zeroize(plaintext);
  }
}

function aadFor(header: Uint8Array, path: string): Buffer {
  return Buffer.concat([header, Buffer.from(path, 'utf8')]);
}

function checkNotReserved(key: string): void {
  if (isReservedPhysicalKey(key)) {
    throw new ArcaError('permission_denied', `storage path ${JSON.stringify(key)} is reserved for the seal`);
  }
}

function integrityFailure(path: string, why: string): ArcaError {
  return new ArcaError(
    'integrity_failure',
    `stored value at ${JSON.stringify(path)} failed its integrity check: ${why}`,
  );
}
