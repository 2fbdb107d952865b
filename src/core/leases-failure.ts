/**
 * What happens when an engine refuses to revoke a due lease (Vault's revocationJob.OnFailure):
 * below the retry budget the lease is re-indexed after a jittered exponential backoff and kept;
 * at the budget it becomes irrevocable — its record keeps Vault's `out of retries: …` error, it
 * leaves the index (never retried by ticks), and a metric and an operational log line (lease id and
 * error only, never internal data) report it.
 */
import type { ArcaMetrics } from '../lib/metrics.js';
import type { Rng } from '../lib/rng.js';
import type { StorageView } from '../logical/storage-view.js';
import type { ExpiryTracker } from './expiration.js';
import { revokeErrorText } from './leases-engine.js';
import { type LeaseRecord, writeLease } from './leases-record.js';
import { revokeBackoffMs, type LeaseTiming } from './leases-timing.js';
import type { CoreLogger } from './mounts.js';

/** Vault truncates stored revocation errors to this many characters. */
const maxRevokeErrorLength = 240;

/** The manager state a failure updates. */
export interface FailureContext {
  storage: StorageView;
  index: ExpiryTracker;
  attempts: Map<string, number>;
  irrevocable: Set<string>;
  timing: LeaseTiming;
  rng: Rng;
  logger: CoreLogger;
  metrics?: ArcaMetrics;
}

/** Records one failed revocation of `record` at `nowWallMs`. */
export async function revocationFailed(
  ctx: FailureContext,
  record: LeaseRecord,
  err: unknown,
  nowWallMs: number,
): Promise<void> {
  const id = record.leaseId;
  const attempt = (ctx.attempts.get(id) ?? 0) + 1;
  const text = revokeErrorText(err);
  ctx.metrics?.leaseRevocationFailures.inc();
  if (attempt < ctx.timing.maxRevokeAttempts) {
    ctx.attempts.set(id, attempt);
    const delayMs = revokeBackoffMs(attempt, ctx.timing, ctx.rng);
    ctx.index.schedule(id, nowWallMs + delayMs);
    ctx.logger.warn(
      { lease_id: id, attempts: attempt, next_attempt_ms: delayMs, err: text },
      'failed to revoke lease',
    );
    return;
  }
  ctx.attempts.delete(id);
  ctx.index.untrack(id);
  ctx.irrevocable.add(id);
  const revokeErr = `out of retries: ${text}`.slice(0, maxRevokeErrorLength);
  ctx.metrics?.leaseRevocations.inc({ result: 'irrevocable' });
  ctx.metrics?.leasesIrrevocable.set(ctx.irrevocable.size);
  ctx.logger.error(
    { lease_id: id, attempts: attempt, err: revokeErr },
    'lease is irrevocable: revocation failed past the retry budget; it is kept and listed by sys/leases?type=irrevocable',
  );
  try {
    await writeLease(ctx.storage, { ...record, revokeErr });
  } catch (writeErr) {
    const message = writeErr instanceof Error ? writeErr.message : String(writeErr);
    ctx.logger.error({ lease_id: id, err: message }, 'failed to mark lease as irrevocable');
  }
}
