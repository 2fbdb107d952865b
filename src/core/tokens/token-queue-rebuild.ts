/**
 * Rebuilding the expiry queue from storage on initialize (every unseal or activation): every
 * stored token with an expiry is queued at it, and every token left marked revoked by a crash
 * mid-revocation is queued for immediate cleanup.
 */
import type { StorageView } from '../../logical/storage-view.js';
import type { ExpiryQueue } from './expiry-queue.js';
import { type StoredToken, tokenKeys } from './token-entry.js';

/** Clears `queue` and refills it from the entries under `id/`. */
export async function rebuildExpiryQueue(
  queue: ExpiryQueue,
  storage: StorageView,
  readStored: (idHash: string) => Promise<StoredToken | undefined>,
): Promise<void> {
  queue.clear();
  for (const idHash of await storage.list(tokenKeys.entryPrefix)) {
    if (idHash.endsWith('/')) continue;
    const entry = await readStored(idHash);
    if (!entry) continue;
    if (entry.revoked) queue.push({ expireTimeMs: 0, idHash });
    else if (entry.expireTimeMs !== 0) queue.push({ expireTimeMs: entry.expireTimeMs, idHash });
  }
}
