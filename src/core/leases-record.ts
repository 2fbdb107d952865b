/**
 * One lease as stored behind the barrier under `sys/expire/id/<lease id>` (Vault's leaseEntry):
 * absolute wall-clock times stamped once by the active node, the issuing engine's secret type and
 * internal data (never shown to clients), the creating token's accessor, and — once revocation has
 * used up its retry budget — the last revocation error (the lease is then irrevocable).
 */
import { anyObject, bool, num, object, optional, str } from '../lib/shape.js';
import { formatRfc3339Nano } from '../lib/go-time.js';
import type { StorageView } from '../logical/storage-view.js';
import { jsonBytes, readJson } from './storage-view.js';

/** What is stored per lease. */
export interface LeaseRecord {
  leaseId: string;
  /** The request path that issued it (the lease id is `<path>/<random>`). */
  path: string;
  /** Which of the issuing engine's `secretTypes` renews and revokes it (absent: nothing to call). */
  secretType?: string;
  issueWallMs: number;
  expireWallMs: number;
  /** Wall time of the last successful renewal (absent: never renewed). */
  lastRenewalWallMs?: number;
  renewable: boolean;
  /** The secret's own max TTL from issue time (0: only the mount/system max applies). */
  maxTtlSeconds?: number;
  tokenAccessor: string;
  /** Issued under a batch token: the token's expiry, which the lease never outlives (leases-batch.ts). */
  notAfterWallMs?: number;
  internalData?: Record<string, unknown>;
  /** Set when revocation failed past the retry budget: the lease is irrevocable (Vault's RevokeErr). */
  revokeErr?: string;
}

/** The stored form of a lease, checked on read. */
const storedLease = object<LeaseRecord>({
  leaseId: str,
  path: str,
  secretType: optional(str),
  issueWallMs: num,
  expireWallMs: num,
  lastRenewalWallMs: optional(num),
  renewable: bool,
  maxTtlSeconds: optional(num),
  tokenAccessor: str,
  notAfterWallMs: optional(num),
  internalData: optional(anyObject),
  revokeErr: optional(str),
});

/** Storage prefix of lease records within the system view (Vault: `sys/expire/id/`). */
export const leaseRecordPrefix = 'expire/id/';

/** Reads one lease record; undefined when absent. */
export function readLease(storage: StorageView, leaseId: string): Promise<LeaseRecord | undefined> {
  return readJson(storage, leaseRecordPrefix + leaseId, storedLease);
}

/** Writes one lease record. */
export async function writeLease(storage: StorageView, record: LeaseRecord): Promise<void> {
  await storage.put(leaseRecordPrefix + record.leaseId, jsonBytes(record));
}

/** Vault's `sys/leases/lookup` data for a record at `nowWallMs` (ttl rounded as Vault's le.ttl()). */
export function lookupView(
  record: LeaseRecord,
  nowWallMs: number,
  renewable: boolean,
): Record<string, unknown> {
  const nowRoundedMs = Math.round(nowWallMs / 1000) * 1000;
  return {
    id: record.leaseId,
    issue_time: formatRfc3339Nano(record.issueWallMs),
    expire_time: formatRfc3339Nano(record.expireWallMs),
    last_renewal: record.lastRenewalWallMs === undefined ? null : formatRfc3339Nano(record.lastRenewalWallMs),
    renewable,
    ttl: Math.trunc((record.expireWallMs - nowRoundedMs) / 1000),
    // OpenBao's addition, shown only for irrevocable leases (Vault keeps it internal).
    ...(record.revokeErr === undefined ? {} : { revoke_error: record.revokeErr }),
  };
}

/**
 * Vault's `leaseEntry.renewable()`: whether a renew may proceed, else Vault's 400 message. The
 * serving node treats `now > expiry − ε` as expired (`expiredForUse`).
 */
export function renewRefusal(record: LeaseRecord | undefined, expiredForUse: boolean): string | undefined {
  if (record === undefined) return 'lease not found';
  if (record.revokeErr !== undefined) return 'lease is expired and has failed previous revocation attempts';
  if (expiredForUse) return 'lease expired';
  if (!record.renewable) return 'lease is not renewable';
  return undefined;
}

/** Every lease id under `prefix` (relative to it), walking folders depth-first. */
export async function listLeaseIds(storage: StorageView, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await storage.list(leaseRecordPrefix + prefix)) {
    if (name.endsWith('/'))
      for (const child of await listLeaseIds(storage, prefix + name)) out.push(name + child);
    else out.push(name);
  }
  return out;
}
