/**
 * Physical keys the seal and barrier own. They hold the key hierarchy (seal configuration, the
 * root key wrapped under the KEK, the keyring wrapped under the root key) and are written below
 * the barrier, so the barrier API refuses to read, write, delete or list them: no engine or core
 * path can overwrite or exfiltrate them.
 */

/** Plaintext seal configuration (type, shares, threshold). Vault: `core/seal-config`. */
export const sealConfigKey = 'core/seal-config';
/** The root key sealed under the KEK (AES-256-GCM). */
export const wrappedRootKeyKey = 'core/wrapped-root-key';
/** The barrier keyring sealed under the root key (AES-256-GCM). */
export const keyringKey = 'core/keyring';

/** Every reserved physical key. */
export const reservedPhysicalKeys: ReadonlySet<string> = new Set([
  sealConfigKey,
  wrappedRootKeyKey,
  keyringKey,
]);

/** True when `key` is reserved for the seal/barrier. */
export function isReservedPhysicalKey(key: string): boolean {
  return reservedPhysicalKeys.has(key);
}
