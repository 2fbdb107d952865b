/**
 * Encryption and decryption of one transit value, byte-compatible with Vault: AEAD keys produce
 * `vault:v<N>:` + base64(nonce(12) ‖ ciphertext ‖ tag(16)); convergent keys (version 3) take the
 * nonce from HMAC-SHA256(derived HMAC key, plaintext); RSA keys use OAEP with SHA-256.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  privateDecrypt,
  publicEncrypt,
  constants,
} from 'node:crypto';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import { decodeBase64Strict, parseVersioned, versionPrefix, zeroize } from './codec.js';
import { deriveKey, missingContextMessage } from './kdf.js';
import { keyTypes } from './key-types.js';
import { keyVersion, privateKeyOf, type KeyPolicy } from './policy.js';

const nonceBytes = 12;
const tagBytes = 16;

/** Per-call inputs besides the plaintext/ciphertext. */
export interface CipherOptions {
  context?: Buffer;
  nonce?: Buffer;
  associatedData?: Buffer;
}

function cipherName(policy: KeyPolicy): 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' {
  if (policy.type === 'aes128-gcm96') return 'aes-128-gcm';
  if (policy.type === 'aes256-gcm96') return 'aes-256-gcm';
  return 'chacha20-poly1305';
}

function convergentVersion(policy: KeyPolicy, version: number): number {
  if (!policy.convergent_encryption) return 0;
  return policy.keys[String(version)]?.convergent_version ?? 3;
}

/** The encryption key (and, for convergent v3, the nonce HMAC key) of `version` for `context`. */
function symmetricKeys(policy: KeyPolicy, version: number, context: Buffer | undefined, withHmac: boolean) {
  const encBytes = keyTypes[policy.type].aeadKeyBytes ?? 32;
  const raw = Buffer.from(keyVersion(policy, version).key ?? '', 'base64');
  if (!policy.derived) return { encKey: raw, hmacKey: undefined, owned: [raw] };
  if (context === undefined || context.length === 0) {
    zeroize(raw);
    throw new ArcaError('invalid_request', missingContextMessage);
  }
  const derived = deriveKey(policy.kdf, raw, context, encBytes + (withHmac ? 32 : 0));
  zeroize(raw);
  return {
    encKey: derived.subarray(0, encBytes),
    hmacKey: withHmac ? derived.subarray(encBytes, encBytes + 32) : undefined,
    owned: [derived],
  };
}

/** Checks the requested encryption version against the policy (Vault's messages); 0 = latest. */
export function encryptionVersion(policy: KeyPolicy, requested: number): number {
  if (requested === 0) return policy.latest_version;
  if (requested < 0) throw new ArcaError('invalid_request', 'requested version for encryption is negative');
  if (requested > policy.latest_version) {
    throw new ArcaError(
      'invalid_request',
      'requested version for encryption is higher than the latest key version',
    );
  }
  if (requested < policy.min_encryption_version) {
    throw new ArcaError(
      'invalid_request',
      'requested version for encryption is less than the minimum encryption key version',
    );
  }
  return requested;
}

/** Encrypts `plaintext` with key version `version` (already checked) and returns Vault's string. */
export function encryptValue(
  policy: KeyPolicy,
  version: number,
  plaintext: Buffer,
  options: CipherOptions,
): string {
  if (!keyTypes[policy.type].encryption) {
    throw new ArcaError('invalid_request', `message encryption not supported for key type ${policy.type}`);
  }
  if (policy.type.startsWith('rsa-')) {
    const publicKey = privateKeyOf(policy, keyVersion(policy, version));
    const sealed = publicEncrypt(
      { key: publicKey, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING },
      plaintext,
    );
    return versionPrefix(version) + sealed.toString('base64');
  }
  const convergent = convergentVersion(policy, version);
  const keys = symmetricKeys(policy, version, options.context, convergent >= 3);
  try {
    let nonce: Buffer;
    if (convergent >= 3) {
      nonce = createHmac('sha256', keys.hmacKey ?? Buffer.alloc(0))
        .update(plaintext)
        .digest()
        .subarray(0, nonceBytes);
    } else if (convergent === 1 || (options.nonce !== undefined && options.nonce.length > 0)) {
      if (options.nonce?.length !== nonceBytes) {
        throw new ArcaError(
          'invalid_request',
          `base64-decoded nonce must be ${nonceBytes} bytes long but given ${options.nonce?.length ?? 0} bytes`,
        );
      }
      nonce = options.nonce;
    } else {
      nonce = secureRandomBytes(nonceBytes);
    }
    const cipher = createCipheriv(cipherName(policy) as 'aes-256-gcm', keys.encKey, nonce, {
      authTagLength: tagBytes,
    });
    if (options.associatedData !== undefined)
      cipher.setAAD(options.associatedData, { plaintextLength: plaintext.length });
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const out = convergent === 1 ? body : Buffer.concat([nonce, body]);
    return versionPrefix(version) + out.toString('base64');
  } finally {
    zeroize(...keys.owned);
  }
}

/** The version a ciphertext names, checked against the policy (too new, too old). */
export function decryptionVersion(policy: KeyPolicy, version: number, kind = 'ciphertext'): number {
  if (version > policy.latest_version)
    throw new ArcaError('invalid_request', `invalid ${kind}: version is too new`);
  if (policy.min_decryption_version > 0 && version < policy.min_decryption_version) {
    throw new ArcaError(
      'invalid_request',
      'ciphertext or signature version is disallowed by policy (too old)',
    );
  }
  return version;
}

/** Decrypts one Vault-format ciphertext; returns the plaintext (owned by the caller) and version. */
export function decryptValue(policy: KeyPolicy, ciphertext: string, options: CipherOptions) {
  if (!keyTypes[policy.type].encryption) {
    throw new ArcaError('invalid_request', `message decryption not supported for key type ${policy.type}`);
  }
  const parsed = parseVersioned(ciphertext, 'ciphertext');
  const version = decryptionVersion(policy, parsed.version);
  const convergent = convergentVersion(policy, version);
  if (convergent === 1 && (options.nonce === undefined || options.nonce.length === 0)) {
    throw new ArcaError('invalid_request', 'invalid convergent nonce supplied');
  }
  const decoded = decodeBase64Strict(parsed.payload);
  if (decoded === undefined)
    throw new ArcaError('invalid_request', 'invalid ciphertext: could not decode base64');
  if (policy.type.startsWith('rsa-')) {
    try {
      const key = privateKeyOf(policy, keyVersion(policy, version));
      const plaintext = privateDecrypt(
        { key, oaepHash: 'sha256', padding: constants.RSA_PKCS1_OAEP_PADDING },
        decoded,
      );
      return { plaintext, version };
    } catch (err) {
      if (err instanceof ArcaError) throw err;
      throw new ArcaError(
        'invalid_request',
        'failed to RSA decrypt the ciphertext: crypto/rsa: decryption error',
      );
    }
  }
  if (decoded.length < nonceBytes) throw new ArcaError('invalid_request', 'invalid ciphertext length');
  const nonce = convergent === 1 ? (options.nonce ?? Buffer.alloc(0)) : decoded.subarray(0, nonceBytes);
  const body = convergent === 1 ? decoded : decoded.subarray(nonceBytes);
  const keys = symmetricKeys(policy, version, options.context, false);
  try {
    if (body.length < tagBytes) throw new Error('short');
    const decipher = createDecipheriv(cipherName(policy) as 'aes-256-gcm', keys.encKey, nonce, {
      authTagLength: tagBytes,
    });
    decipher.setAuthTag(body.subarray(body.length - tagBytes));
    const sealed = body.subarray(0, body.length - tagBytes);
    if (options.associatedData !== undefined)
      decipher.setAAD(options.associatedData, { plaintextLength: sealed.length });
    const plaintext = Buffer.concat([decipher.update(sealed), decipher.final()]);
    return { plaintext, version };
  } catch (err) {
    if (err instanceof ArcaError) throw err;
    const prefix = policy.type === 'chacha20-poly1305' ? 'chacha20poly1305' : 'cipher';
    throw new ArcaError('invalid_request', `${prefix}: message authentication failed`);
  } finally {
    zeroize(...keys.owned);
  }
}
