/**
 * HMAC-SHA256 with the key schedule done once: the inner and outer pad states are hashed at
 * construction and cloned (`Hash.copy()`) per message, instead of re-keying a new `Hmac` each time.
 * Same output as `createHmac('sha256', key)` (RFC 2104); used on the audit hot path, where every
 * entry needs several HMACs under one key.
 */
import { createHash, type Hash } from 'node:crypto';

const blockBytes = 64;

export class Sha256Hmac {
  private readonly inner: Hash;
  private readonly outer: Hash;

  constructor(key: string | Uint8Array) {
    let k = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (k.length > blockBytes) k = createHash('sha256').update(k).digest();
    const block = Buffer.alloc(blockBytes);
    k.copy(block);
    const ipad = Buffer.alloc(blockBytes);
    const opad = Buffer.alloc(blockBytes);
    for (let i = 0; i < blockBytes; i++) {
      ipad[i] = block[i] ^ 0x36;
      opad[i] = block[i] ^ 0x5c;
    }
    this.inner = createHash('sha256').update(ipad);
    this.outer = createHash('sha256').update(opad);
    block.fill(0);
    ipad.fill(0);
    opad.fill(0);
  }

  /** HMAC-SHA256(key, message) as lower-case hex. */
  hex(message: string | Uint8Array): string {
    const innerDigest = this.inner.copy().update(message).digest();
    return this.outer.copy().update(innerDigest).digest('hex');
  }
}
