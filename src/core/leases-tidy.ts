/**
 * Vault's lease tidy (`sys/leases/tidy`): every lease whose creating token no longer exists (or
 * that has none) is revoked in force mode — the engine is asked, its errors are ignored — so
 * leases orphaned by a crash between token revocation and lease cleanup do not linger.
 */
import type { StorageView } from '../logical/storage-view.js';
import { listLeaseIds, readLease } from './leases-record.js';
import type { CoreLogger } from './mounts.js';

/** What a tidy run needs from the manager. */
export interface TidyDeps {
  storage: StorageView;
  logger: CoreLogger;
  tokenExists: (accessor: string) => Promise<boolean>;
  /** Revokes one lease, ignoring engine errors; false when it was already gone. */
  revokeForced: (leaseId: string) => Promise<boolean>;
}

/** One tidy pass; returns how many leases it revoked. */
export async function tidyLeases(deps: TidyDeps): Promise<number> {
  deps.logger.info({}, 'beginning tidy operation on leases');
  const tokenValid = new Map<string, boolean>();
  let revoked = 0;
  for (const id of await listLeaseIds(deps.storage, '')) {
    const record = await readLease(deps.storage, id);
    if (record === undefined) continue;
    const accessor = record.tokenAccessor;
    let valid = accessor === '' ? false : tokenValid.get(accessor);
    if (valid === undefined) {
      valid = await deps.tokenExists(accessor);
      tokenValid.set(accessor, valid);
    }
    if (!valid && (await deps.revokeForced(id))) revoked += 1;
  }
  deps.logger.info({ revoked }, 'finished tidy operation on leases');
  return revoked;
}
