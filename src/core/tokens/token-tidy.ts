/**
 * `auth/token/tidy`: repairs index damage that atomic batches should make impossible but that a
 * bug, a restored old snapshot or manual storage surgery could leave — accessor keys whose token is
 * gone, child-index keys whose child is gone, and children of a parent that no longer exists
 * (revoked with their trees, as Vault's tidy does: they must not outlive their parent). Then runs
 * the expiry sweep. Safe to run while serving: each repair re-checks what it deletes.
 */
import type { StorageView } from '../../logical/storage-view.js';
import { decodeAccessor, decodeToken, tokenKeys } from './token-entry.js';

export interface TidyResult {
  danglingAccessors: number;
  danglingChildKeys: number;
  orphanedTreesRevoked: number;
  expiredRevoked: number;
}

export interface TidyDeps {
  storage: StorageView;
  revokeTree: (idHash: string) => Promise<unknown>;
  revokeExpired: () => Promise<number>;
}

/** Runs one tidy pass. */
export async function tidyTokens({ storage, revokeTree, revokeExpired }: TidyDeps): Promise<TidyResult> {
  const result: TidyResult = {
    danglingAccessors: 0,
    danglingChildKeys: 0,
    orphanedTreesRevoked: 0,
    expiredRevoked: 0,
  };
  const exists = async (idHash: string): Promise<boolean> =>
    (await storage.get(tokenKeys.entry(idHash))) !== undefined;

  for (const name of await storage.list(tokenKeys.accessorPrefix)) {
    if (name.endsWith('/')) continue;
    const key = tokenKeys.accessorPrefix + name;
    const bytes = await storage.get(key);
    if (bytes && !(await exists(decodeAccessor(bytes).idHash))) {
      await storage.delete(key);
      result.danglingAccessors += 1;
    }
  }

  for (const dir of await storage.list('parent/')) {
    if (!dir.endsWith('/')) continue;
    const parentIdHash = dir.slice(0, -1);
    const parentExists = await exists(parentIdHash);
    for (const childIdHash of await storage.list(tokenKeys.childPrefix(parentIdHash))) {
      if (childIdHash.endsWith('/')) continue;
      const bytes = await storage.get(tokenKeys.entry(childIdHash));
      const child = bytes && decodeToken(bytes);
      if (!parentExists && child && child.parentIdHash === parentIdHash) {
        await revokeTree(childIdHash);
        result.orphanedTreesRevoked += 1;
      } else if (!child || child.parentIdHash !== parentIdHash) {
        await storage.delete(tokenKeys.child(parentIdHash, childIdHash));
        result.danglingChildKeys += 1;
      }
    }
  }
  result.expiredRevoked = await revokeExpired();
  return result;
}
