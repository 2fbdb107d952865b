/**
 * The audit subsystem as core runs it: one broker for the life of the process (the pipeline's
 * audit seam) and, while unsealed, an `AuditManager` over the audit table behind the barrier
 * (`core/audit`, so salts and chain keys are encrypted at rest). `open` runs in the post-unseal
 * setup, `close` in the pre-seal teardown, `reopen` on SIGHUP (log rotation).
 */
import { ArcaError } from '../lib/errors.js';
import type { ArcaMetrics } from '../lib/metrics.js';
import type { StorageView } from '../logical/storage-view.js';
import { AuditBroker } from './audit/broker.js';
import { AuditManager } from './audit/manager.js';
import { auditObserver } from './core-metrics.js';
import type { CoreLogger } from './mounts.js';

/** Default bound on one device write before it counts as failed (a hanging device). */
export const auditWriteTimeoutMsDefault = 5000;

export class CoreAudit {
  readonly broker: AuditBroker;
  private manager: AuditManager | undefined;

  constructor(
    private readonly logger: CoreLogger,
    options: { writeTimeoutMs?: number; metrics?: ArcaMetrics },
  ) {
    this.broker = new AuditBroker({
      writeTimeoutMs: options.writeTimeoutMs ?? auditWriteTimeoutMsDefault,
      logger,
      ...(options.metrics === undefined ? {} : { observer: auditObserver(options.metrics) }),
    });
  }

  /**
   * Post-unseal: loads the table and opens every device. A device that fails to open is logged
   * (path and reason only) and kept as unavailable, so if all fail, requests fail closed.
   */
  async open(storage: StorageView): Promise<void> {
    await this.close();
    const manager = new AuditManager(storage, this.broker);
    const failures = await manager.load();
    for (const { path, error } of failures) {
      this.logger.error(
        { audit_device: path, reason: error.message },
        'audit device failed to open at unseal; requests fail closed if no device can record',
      );
    }
    this.manager = manager;
  }

  /** Pre-seal: closes the devices (the table stays behind the barrier). */
  async close(): Promise<void> {
    const manager = this.manager;
    this.manager = undefined;
    if (manager !== undefined) await manager.unload();
    else await this.broker.closeAll();
  }

  /** Re-opens every device's destination (SIGHUP after an external tool rotated the files). */
  reopen(): Promise<void> {
    return this.broker.reopenAll();
  }

  /** The manager of the current unseal; 503 `sealed` otherwise. */
  current(): AuditManager {
    if (this.manager === undefined) throw new ArcaError('sealed');
    return this.manager;
  }
}
