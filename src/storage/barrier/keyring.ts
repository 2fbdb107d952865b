/**
 * The barrier keyring: one AES-256 key per term; the newest (active) term encrypts, every older
 * term still decrypts. Serialised in a fixed binary layout rather than msgpack/JSON so every byte
 * that held key material is in a buffer we own and can zeroize (JSON strings cannot be wiped and
 * msgpackr packs into a shared reusable buffer).
 *
 * Layout (big-endian): version u8 (=1) ‖ activeTerm u32 ‖ count u16 ‖ count × key record, where a
 * key record is term u32 ‖ installTimeMs f64 ‖ encryptions f64 ‖ key (32 bytes).
 */
import { assert } from '../../lib/assert.js';
import { zeroize } from '../../lib/bytes.js';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import { aeadKeyBytes } from './aead.js';

const keyringFormatVersion = 1;
const headerBytes = 1 + 4 + 2;
const recordBytes = 4 + 8 + 8 + aeadKeyBytes;
/** Most terms a keyring holds (a u16 count; rotating 65k times is far beyond any real use). */
const keyringTermsMax = 0xffff;

/** One key of the keyring. `encryptions` counts encryptions under it (for rotation policy). */
export interface TermKey {
  term: number;
  installTimeMs: number;
  encryptions: number;
  key: Buffer;
}

/** The keys of all terms, newest active. Owns its key buffers: call `zeroize` when done. */
export class Keyring {
  private constructor(
    private readonly keys: Map<number, TermKey>,
    private active: number,
  ) {}

  /** A fresh keyring with one random term-1 key. */
  static create(installTimeMs: number): Keyring {
    const first: TermKey = { term: 1, installTimeMs, encryptions: 0, key: secureRandomBytes(aeadKeyBytes) };
    return new Keyring(new Map([[1, first]]), 1);
  }

  /** Parses the binary layout; a malformed keyring is an integrity failure (it was authenticated). */
  static decode(bytes: Uint8Array): Keyring {
    const fail = (why: string): never => {
      throw new ArcaError('integrity_failure', `keyring is malformed: ${why}`);
    };
    if (bytes.length < headerBytes) fail('too short');
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.readUInt8(0) !== keyringFormatVersion) fail('unknown version');
    const active = view.readUInt32BE(1);
    const count = view.readUInt16BE(5);
    if (view.length !== headerBytes + count * recordBytes) fail('wrong length');
    const keys = new Map<number, TermKey>();
    for (let i = 0; i < count; i++) {
      const at = headerBytes + i * recordBytes;
      const term = view.readUInt32BE(at);
      const key = Buffer.alloc(aeadKeyBytes);
      view.copy(key, 0, at + 20, at + 20 + aeadKeyBytes);
      keys.set(term, {
        term,
        installTimeMs: view.readDoubleBE(at + 4),
        encryptions: view.readDoubleBE(at + 12),
        key,
      });
    }
    const keyring = new Keyring(keys, active);
    if (!keys.has(active)) {
      keyring.zeroize();
      fail('active term missing');
    }
    return keyring;
  }

  /** Serialises the keyring; the result holds key material: zeroize it after use. */
  encode(): Buffer {
    const out = Buffer.alloc(headerBytes + this.keys.size * recordBytes);
    out.writeUInt8(keyringFormatVersion, 0);
    out.writeUInt32BE(this.active, 1);
    out.writeUInt16BE(this.keys.size, 5);
    let at = headerBytes;
    for (const k of [...this.keys.values()].sort((a, b) => a.term - b.term)) {
      out.writeUInt32BE(k.term, at);
      out.writeDoubleBE(k.installTimeMs, at + 4);
      out.writeDoubleBE(k.encryptions, at + 12);
      k.key.copy(out, at + 20);
      at += recordBytes;
    }
    return out;
  }

  /** The key that encrypts new writes. */
  activeKey(): TermKey {
    const key = this.keys.get(this.active);
    assert(key !== undefined, 'keyring has no active key');
    return key;
  }

  /** The key of `term`, if this keyring has it. */
  keyFor(term: number): TermKey | undefined {
    return this.keys.get(term);
  }

  /** A copy of this keyring with a new random active term (this one is left untouched). */
  withNewTerm(installTimeMs: number): Keyring {
    if (this.keys.size >= keyringTermsMax) throw new ArcaError('internal', 'keyring has too many terms');
    const keys = new Map<number, TermKey>();
    for (const [term, k] of this.keys) keys.set(term, { ...k, key: Buffer.from(k.key) });
    const term = Math.max(...keys.keys()) + 1;
    keys.set(term, { term, installTimeMs, encryptions: 0, key: secureRandomBytes(aeadKeyBytes) });
    return new Keyring(keys, term);
  }

  /** Copies the encryption counts of `older` (counted while this copy was being persisted). */
  carryCountsFrom(older: Keyring): void {
    for (const [term, k] of older.keys) {
      const mine = this.keys.get(term);
      if (mine !== undefined) mine.encryptions = Math.max(mine.encryptions, k.encryptions);
    }
  }

  /** Overwrites every key with zeros; the keyring is unusable afterwards. */
  zeroize(): void {
    for (const k of this.keys.values()) zeroize(k.key);
    this.keys.clear();
  }
}
