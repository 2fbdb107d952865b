/**
 * Token ids, accessors and the salted hashes that key them in storage. Ids and accessors come
 * from `secureRandomBytes` (never an `Rng`); the hashes are HMAC-SHA256 keyed by a per-store
 * random salt kept in storage, so stored keys reveal nothing and cannot be matched against a list
 * of guessed tokens or accessors offline without the (barrier-encrypted) salt.
 */
import { createHmac } from 'node:crypto';
import { Sha256Hmac } from '../../lib/fast-hmac.js';
import { ArcaError } from '../../lib/errors.js';
import { secureRandomBytes } from '../../lib/rng.js';
import type { StorageView } from '../../logical/storage-view.js';
import { tokenKeys } from './token-entry.js';

import { randomBase62 } from '../../lib/base62.js';

export { randomBase62 };

/** Vault's service-token prefix. */
export const serviceTokenPrefix = 'hvs.';
/** Length of the random body of a token and of an accessor (Vault: 24 base62 characters). */
export const tokenBodyChars = 24;
/** Salt length in bytes. */
export const saltBytes = 32;

/** A new service token: `hvs.` + 24 base62 characters. */
export function generateTokenId(): string {
  return serviceTokenPrefix + randomBase62(tokenBodyChars);
}

/** A new accessor: 24 base62 characters (safe to show; reveals nothing about the token). */
export function generateAccessor(): string {
  return randomBase62(tokenBodyChars);
}

/** Label of the accessor-index key derived from the salt (domain separation from id hashes). */
const accessorKeyLabel = 'arca token accessor index v1';

/**
 * Hashes token ids and accessors with the store's salt. Each HMAC key is scheduled once (one
 * reused `Sha256Hmac` per key: this runs on every request). Accessors are hashed under a key
 * derived from the salt, so the same string used as a token id and as an accessor never gives
 * the same storage key.
 */
export class TokenHasher {
  private readonly idHmac: Sha256Hmac;
  private readonly accessorHmac: Sha256Hmac;

  constructor(salt: Uint8Array) {
    this.idHmac = new Sha256Hmac(salt);
    const accessorKey = createHmac('sha256', salt).update(accessorKeyLabel).digest();
    this.accessorHmac = new Sha256Hmac(accessorKey);
    accessorKey.fill(0);
  }

  /** The salted hash (hex) under which a token's entry is stored. */
  hash(tokenId: string): string {
    return this.idHmac.hex(tokenId);
  }

  /** The salted hash (hex, 64 digits) under which an accessor's index entry is stored. */
  hashAccessor(accessor: string): string {
    return this.accessorHmac.hex(accessor);
  }
}

/** Loads the store's salt, creating and persisting a random one on first use. */
export async function loadOrCreateSalt(storage: StorageView): Promise<Uint8Array> {
  const existing = await storage.get(tokenKeys.salt);
  if (existing) {
    if (existing.length !== saltBytes)
      throw new ArcaError('integrity_failure', 'token store salt is malformed');
    return existing;
  }
  const salt = secureRandomBytes(saltBytes);
  await storage.put(tokenKeys.salt, salt);
  return salt;
}
