/**
 * The transit key types (Vault's keysutil.KeyType) and what each supports. One table, so a
 * capability check never disagrees with what the key read endpoint advertises.
 */

/** Vault's key type names. */
export type TransitKeyType =
  | 'aes128-gcm96'
  | 'aes256-gcm96'
  | 'chacha20-poly1305'
  | 'ed25519'
  | 'ecdsa-p256'
  | 'ecdsa-p384'
  | 'ecdsa-p521'
  | 'rsa-2048'
  | 'rsa-3072'
  | 'rsa-4096'
  | 'hmac';

/** What one key type can do. */
export interface KeyTypeInfo {
  encryption: boolean;
  signing: boolean;
  derivation: boolean;
  /** Symmetric AEAD types: raw key length in bytes. */
  aeadKeyBytes?: number;
  /** ECDSA: node:crypto curve name and field size in bits. */
  curve?: { name: string; bits: number };
  /** RSA modulus size. */
  rsaBits?: number;
}

/** The capability table, keyed by type name. */
export const keyTypes: Record<TransitKeyType, KeyTypeInfo> = {
  'aes128-gcm96': { encryption: true, signing: false, derivation: true, aeadKeyBytes: 16 },
  'aes256-gcm96': { encryption: true, signing: false, derivation: true, aeadKeyBytes: 32 },
  'chacha20-poly1305': { encryption: true, signing: false, derivation: true, aeadKeyBytes: 32 },
  ed25519: { encryption: false, signing: true, derivation: true },
  'ecdsa-p256': { encryption: false, signing: true, derivation: false, curve: { name: 'P-256', bits: 256 } },
  'ecdsa-p384': { encryption: false, signing: true, derivation: false, curve: { name: 'P-384', bits: 384 } },
  'ecdsa-p521': { encryption: false, signing: true, derivation: false, curve: { name: 'P-521', bits: 521 } },
  'rsa-2048': { encryption: true, signing: true, derivation: false, rsaBits: 2048 },
  'rsa-3072': { encryption: true, signing: true, derivation: false, rsaBits: 3072 },
  'rsa-4096': { encryption: true, signing: true, derivation: false, rsaBits: 4096 },
  hmac: { encryption: false, signing: false, derivation: false },
};

/** Narrows a user-supplied type name. */
export function isKeyType(name: string): name is TransitKeyType {
  return Object.hasOwn(keyTypes, name);
}

/** True for the AEAD types (AES-GCM, ChaCha20-Poly1305). */
export function isAead(type: TransitKeyType): boolean {
  return keyTypes[type].aeadKeyBytes !== undefined;
}

/** Hash names Vault accepts (`sha2-256`, ...) mapped to node:crypto digest names. */
export const hashAlgorithms: Record<string, string> = {
  sha1: 'sha1',
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};
