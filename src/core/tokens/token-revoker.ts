/**
 * Tree revocation. Phase 1 walks the tree breadth-first and marks every token revoked under its
 * lock (each stops authenticating at once, and a marked parent can gain no new child); phase 2
 * deletes leaves first, each token's entry + accessor + parent-index key in one batch, after
 * `onRevoke` (core's cubbyhole/lease cleanup) succeeded. If `onRevoke` fails the token stays
 * marked and is due again in the expiration manager, whose next tick retries — never a
 * half-revoked live token.
 */
import type { StorageOp, StorageView } from '../../logical/storage-view.js';
import type { ExpiryTracker } from '../expiration-port.js';
import type { KeyedMutex } from '../../lib/keyed-mutex.js';
import {
  type StoredToken,
  type TokenEntry,
  decodeToken,
  encodeToken,
  publicEntry,
  tokenKeys,
} from './token-entry.js';

export interface TokenRevokerDeps {
  storage: StorageView;
  lock: KeyedMutex;
  /** The expiration manager's token tracker: a failed cleanup is due again at once; a deleted token leaves it. */
  expiry: ExpiryTracker;
  onRevoke?: (entry: TokenEntry) => Promise<void>;
  /** The accessor-index key of an accessor (it is keyed by a salted hash). */
  accessorKey: (accessor: string) => string;
}

export class TokenRevoker {
  constructor(private readonly deps: TokenRevokerDeps) {}

  /**
   * Revokes `rootIdHash` and every descendant. Returns how many tokens were deleted. With
   * `rootStillDue`, the root is revoked only if its entry, re-read under its lock, still passes it:
   * the expiry tick decides on an entry read before it held the lock, and a renewal may have
   * committed in between (revoking it then would end a token whose renewal was acknowledged).
   */
  async revokeTree(rootIdHash: string, rootStillDue?: (entry: StoredToken) => boolean): Promise<number> {
    const { order, strayChildKeys } = await this.markTree(rootIdHash, rootStillDue);
    let deleted = 0;
    for (let i = order.length - 1; i >= 0; i--) {
      if (await this.deleteMarked(order[i], strayChildKeys.get(order[i]) ?? [])) deleted += 1;
    }
    return deleted;
  }

  /**
   * Revokes (with their trees) every live token created at a path under `pathPrefix` — what
   * disabling an auth method does to the tokens its logins minted. Returns how many were found.
   */
  async revokePathPrefix(pathPrefix: string): Promise<number> {
    let count = 0;
    for (const idHash of await this.deps.storage.list(tokenKeys.entryPrefix)) {
      if (idHash.endsWith('/')) continue;
      const entry = await this.read(idHash);
      if (entry === undefined || entry.revoked || !entry.path.startsWith(pathPrefix)) continue;
      await this.revokeTree(idHash);
      count += 1;
    }
    return count;
  }

  /** Revokes one token; its direct children are re-parented as orphans (entry + index in one batch). */
  async revokeOrphan(idHash: string): Promise<number> {
    if (!(await this.mark(idHash))) return 0;
    const { storage, lock } = this.deps;
    for (const childHash of await this.children(idHash)) {
      await lock.run(childHash, async () => {
        const ops: StorageOp[] = [{ type: 'delete', key: tokenKeys.child(idHash, childHash) }];
        const child = await this.read(childHash);
        if (child && child.parentIdHash === idHash) {
          child.parentIdHash = '';
          child.orphan = true;
          ops.push({ type: 'put', key: tokenKeys.entry(childHash), value: encodeToken(child) });
        }
        await storage.batch(ops);
      });
    }
    return (await this.deleteMarked(idHash, [])) ? 1 : 0;
  }

  /**
   * Marks the tree breadth-first. Returns the marked tokens in BFS order (so reverse order deletes
   * leaves first) and, per parent, index keys of listed children whose entry no longer exists.
   */
  private async markTree(
    rootIdHash: string,
    rootStillDue?: (entry: StoredToken) => boolean,
  ): Promise<{ order: string[]; strayChildKeys: Map<string, string[]> }> {
    const order: string[] = [];
    const strayChildKeys = new Map<string, string[]>();
    const seen = new Set<string>();
    const pending: { idHash: string; parent?: string }[] = [{ idHash: rootIdHash }];
    for (let i = 0; i < pending.length; i++) {
      const { idHash, parent } = pending[i];
      if (seen.has(idHash)) continue;
      seen.add(idHash);
      if (!(await this.mark(idHash, i === 0 ? rootStillDue : undefined))) {
        if (parent !== undefined) {
          const list = strayChildKeys.get(parent) ?? [];
          list.push(tokenKeys.child(parent, idHash));
          strayChildKeys.set(parent, list);
        }
        continue;
      }
      order.push(idHash);
      for (const child of await this.children(idHash)) pending.push({ idHash: child, parent: idHash });
    }
    return { order, strayChildKeys };
  }

  /** Marks the token revoked under its lock; false if it does not exist (or is no longer due). */
  private async mark(idHash: string, stillDue?: (entry: StoredToken) => boolean): Promise<boolean> {
    if (idHash === '' || idHash.includes('/')) return false;
    return this.deps.lock.run(idHash, async () => {
      const entry = await this.read(idHash);
      if (!entry) return false;
      if (stillDue !== undefined && !stillDue(entry)) return false;
      if (!entry.revoked || entry.exhausted) {
        entry.revoked = true;
        delete entry.exhausted;
        await this.deps.storage.put(tokenKeys.entry(idHash), encodeToken(entry));
      }
      return true;
    });
  }

  /**
   * Runs onRevoke, then deletes entry + accessor + parent-index key (+ `extraDeletes`) in one
   * batch. Children were deleted (or re-parented) before, each removing its own index key.
   */
  private async deleteMarked(idHash: string, extraDeletes: string[]): Promise<boolean> {
    const { storage, lock, expiry, onRevoke } = this.deps;
    return lock.run(idHash, async () => {
      const entry = await this.read(idHash);
      if (!entry) return false;
      try {
        await onRevoke?.(publicEntry(entry));
      } catch (err) {
        expiry.dueNow(idHash);
        throw err;
      }
      const ops: StorageOp[] = [
        { type: 'delete', key: tokenKeys.entry(idHash) },
        { type: 'delete', key: this.deps.accessorKey(entry.accessor) },
      ];
      if (entry.parentIdHash !== '')
        ops.push({ type: 'delete', key: tokenKeys.child(entry.parentIdHash, idHash) });
      for (const key of extraDeletes) ops.push({ type: 'delete', key });
      await storage.batch(ops);
      expiry.untrack(idHash);
      return true;
    });
  }

  private async children(idHash: string): Promise<string[]> {
    return (await this.deps.storage.list(tokenKeys.childPrefix(idHash))).filter((k) => !k.endsWith('/'));
  }

  private async read(idHash: string): Promise<StoredToken | undefined> {
    const bytes = await this.deps.storage.get(tokenKeys.entry(idHash));
    return bytes ? decodeToken(bytes) : undefined;
  }
}
