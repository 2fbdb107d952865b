/**
 * The accessor index (`accessor/<accessorHash>` → `{ idHash, accessor }`), keyed like Vault's
 * token store by the salted hash of the accessor, so a listing of storage keys (or of a Raft
 * snapshot's keys) reveals no accessor. The accessor itself lives only in the value, behind the
 * barrier, where `LIST auth/token/accessors` reads it back.
 *
 * Stores written before this layout keyed the index by the plain accessor. `migrateAccessorIndex`
 * runs on every unseal (token store `initialize`): each legacy key is rewritten under its hashed
 * key in ONE atomic batch (put new + delete old), so a crash at any point leaves every accessor
 * in exactly one of the two layouts, and the next unseal finishes the job. Already migrated keys
 * are recognised by their form (64 hex digits; a legacy key is a 24-character base62 accessor),
 * so an up-to-date store costs one LIST and no reads.
 */
import type { StorageView } from '../../logical/storage-view.js';
import { decodeAccessor, encodeAccessor, tokenKeys } from './token-entry.js';
import type { TokenHasher } from './token-ids.js';

const hashedKeyPattern = /^[0-9a-f]{64}$/;

/** Whether an index key name (below `accessor/`) is in the hashed layout. */
export function isHashedAccessorKey(name: string): boolean {
  return hashedKeyPattern.test(name);
}

/** A syntactically possible accessor (anything else cannot be in the index). */
function plausibleAccessor(accessor: unknown): accessor is string {
  return typeof accessor === 'string' && accessor !== '' && !accessor.includes('/');
}

/**
 * Rewrites every legacy (plaintext-keyed) index entry under its hashed key, one atomic batch per
 * entry. Idempotent; returns how many entries it migrated.
 */
export async function migrateAccessorIndex(storage: StorageView, hasher: TokenHasher): Promise<number> {
  let migrated = 0;
  for (const name of await storage.list(tokenKeys.accessorPrefix)) {
    if (name.endsWith('/') || isHashedAccessorKey(name)) continue;
    const bytes = await storage.get(tokenKeys.accessorPrefix + name);
    if (bytes === undefined) continue;
    const record = decodeAccessor(bytes);
    const accessor = record.accessor ?? name;
    await storage.batch([
      {
        type: 'put',
        key: tokenKeys.accessor(hasher.hashAccessor(accessor)),
        value: encodeAccessor(record.idHash, accessor),
      },
      { type: 'delete', key: tokenKeys.accessorPrefix + name },
    ]);
    migrated += 1;
  }
  return migrated;
}

/** The idHash an accessor points to, if the index has it. */
export async function lookupAccessor(
  storage: StorageView,
  hasher: TokenHasher,
  accessor: unknown,
): Promise<string | undefined> {
  if (!plausibleAccessor(accessor)) return undefined;
  const bytes = await storage.get(tokenKeys.accessor(hasher.hashAccessor(accessor)));
  if (bytes === undefined) return undefined;
  const record = decodeAccessor(bytes);
  return record.accessor === accessor ? record.idHash : undefined;
}

/** Every indexed accessor, sorted (read from the values: the keys are hashes). */
export async function listIndexedAccessors(storage: StorageView): Promise<string[]> {
  const names = (await storage.list(tokenKeys.accessorPrefix)).filter((k) => !k.endsWith('/'));
  const values = await Promise.all(names.map((name) => storage.get(tokenKeys.accessorPrefix + name)));
  const accessors: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const bytes = values[i];
    if (bytes === undefined) continue;
    accessors.push(decodeAccessor(bytes).accessor ?? names[i]);
  }
  return accessors.sort();
}
