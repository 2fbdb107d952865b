/**
 * AES-256-GCM with a random 96-bit nonce per encryption (node:crypto). The output layout is
 * nonce (12) ‖ ciphertext ‖ tag (16). Authentication failure of any kind (wrong key, wrong AAD,
 * flipped bit, truncation) surfaces as `undefined` from `open`, never as garbage plaintext; callers
 * map it to their own typed error.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert } from '../../lib/assert.js';
import { secureRandomBytes } from '../../lib/rng.js';

/** AES-256 key length in bytes. */
export const aeadKeyBytes = 32;
/** GCM nonce length in bytes (the recommended 96 bits). */
export const aeadNonceBytes = 12;
/** GCM tag length in bytes. */
export const aeadTagBytes = 16;

/** Nonces drawn from the CSPRNG per refill (one syscall per 256 encryptions instead of one each). */
const noncesPerRefill = 256;
let noncePool: Buffer = Buffer.alloc(0);
let noncePoolOffset = 0;

/** A fresh random 96-bit nonce; each pool byte is handed out exactly once. */
function nextNonce(): Buffer {
  if (noncePoolOffset + aeadNonceBytes > noncePool.length) {
    noncePool = secureRandomBytes(aeadNonceBytes * noncesPerRefill);
    noncePoolOffset = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(noncePoolOffset, noncePoolOffset + aeadNonceBytes));
  noncePoolOffset += aeadNonceBytes;
  return nonce;
}

/**
 * Encrypts `plaintext` under `key`, binding `aad`; returns prefix ‖ nonce ‖ ciphertext ‖ tag
 * (`prefix`, e.g. a format header, is copied in front so callers avoid a second copy).
 */
export function aeadSeal(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  prefix?: Uint8Array,
): Buffer {
  assert(key.length === aeadKeyBytes, 'AES-256-GCM needs a 32-byte key');
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: aeadTagBytes });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  const parts = [nonce, body, tail, cipher.getAuthTag()];
  return Buffer.concat(prefix === undefined ? parts : [prefix, ...parts]);
}

/** Decrypts nonce ‖ ciphertext ‖ tag; `undefined` when authentication fails or input is short. */
export function aeadOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  assert(key.length === aeadKeyBytes, 'AES-256-GCM needs a 32-byte key');
  if (sealed.length < aeadNonceBytes + aeadTagBytes) return undefined;
  const nonce = sealed.subarray(0, aeadNonceBytes);
  const tag = sealed.subarray(sealed.length - aeadTagBytes);
  const body = sealed.subarray(aeadNonceBytes, sealed.length - aeadTagBytes);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: aeadTagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}
