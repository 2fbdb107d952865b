/**
 * Automatic keyring rotation (Vault's `sys/rotate/config` and `CheckBarrierAutoRotate`): the
 * barrier counts encryptions under the active term; when the count reaches `max_operations`
 * (default 3,865,470,566: 10 % shy of NIST SP 800-38D's 2^32 for random-nonce AES-GCM) or the
 * term is older than `interval` (off when 0; at least 24 h), the active node installs a new term
 * with `Barrier.rotate` (read-modify-write of the stored, replicated keyring).
 *
 * The config lives behind the barrier at `core/keyring-rotation-config` (replicated with Raft
 * storage, so a new active node follows it). Only the active node checks (core's tick); it also
 * persists the counts into the stored keyring every `countPersistIntervalMs`, so a restart or a
 * failover does not reset the count toward the bound.
 */
import type { Clock } from '../lib/clock.js';
import { ArcaError } from '../lib/errors.js';
import type { Barrier } from '../storage/barrier/barrier.js';
import type { CoreLogger } from './mounts.js';

/** Vault's `absoluteOperationMaximum` (and default). */
export const rotationOperationsMax = 3_865_470_566;
/** Vault's `absoluteOperationMinimum`. */
export const rotationOperationsMinDefault = 1_000_000;
/** Vault's `minimumRotationInterval` (24 h). */
export const rotationIntervalMsMin = 24 * 3600 * 1000;
/** How often the active node writes the encryption counts into the stored keyring. */
export const countPersistIntervalMsDefault = 5 * 60 * 1000;

/** Barrier path of the config. */
export const rotationConfigKey = 'core/keyring-rotation-config';

/** The automatic rotation policy. */
export interface RotationConfig {
  maxOperations: number;
  /** 0 = no time-based rotation. */
  intervalMs: number;
  enabled: boolean;
}

const defaults: RotationConfig = { maxOperations: rotationOperationsMax, intervalMs: 0, enabled: true };

/** Options (tests lower the operations floor to exercise a rotation in a few writes). */
export interface KeyringRotationOptions {
  operationsMin?: number;
  countPersistIntervalMs?: number;
}

/** Reads/writes the config and runs the check; see the module comment. */
export class KeyringRotation {
  private readonly operationsMin: number;
  private readonly persistEveryMs: number;
  private lastPersistMs: number | undefined;
  private lastPersistedCount = -1;

  constructor(
    private readonly barrier: Barrier,
    private readonly clock: Clock,
    private readonly logger: CoreLogger,
    options: KeyringRotationOptions = {},
  ) {
    this.operationsMin = options.operationsMin ?? rotationOperationsMinDefault;
    this.persistEveryMs = options.countPersistIntervalMs ?? countPersistIntervalMsDefault;
  }

  /** The stored config, or Vault's defaults. */
  async readConfig(): Promise<RotationConfig> {
    const stored = await this.barrier.get(rotationConfigKey);
    if (stored === undefined) return { ...defaults };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(stored).toString('utf8'));
    } catch {
      throw new ArcaError('integrity_failure', 'stored rotation config is not valid JSON');
    }
    const r = (parsed ?? {}) as Record<string, unknown>;
    if (
      typeof r['max_operations'] !== 'number' ||
      typeof r['interval_ms'] !== 'number' ||
      typeof r['enabled'] !== 'boolean'
    ) {
      throw new ArcaError('integrity_failure', 'stored rotation config is malformed');
    }
    return { maxOperations: r['max_operations'], intervalMs: r['interval_ms'], enabled: r['enabled'] };
  }

  /** Applies the given fields over the stored config; Vault's 400s for out-of-range values. */
  async writeConfig(patch: Partial<RotationConfig>): Promise<void> {
    const next = { ...(await this.readConfig()), ...patch };
    if (next.intervalMs !== 0 && next.intervalMs < rotationIntervalMsMin) {
      throw new ArcaError('invalid_request', 'interval must be greater or equal to 24h0m0s');
    }
    if (
      !Number.isSafeInteger(next.maxOperations) ||
      next.maxOperations < this.operationsMin ||
      next.maxOperations > rotationOperationsMax
    ) {
      throw new ArcaError(
        'invalid_request',
        `max_operations must be in the range [${this.operationsMin},${rotationOperationsMax}]`,
      );
    }
    const record = {
      max_operations: next.maxOperations,
      interval_ms: next.intervalMs,
      enabled: next.enabled,
    };
    await this.barrier.put(rotationConfigKey, Buffer.from(JSON.stringify(record), 'utf8'));
  }

  /**
   * The active node's periodic check: rotates when a bound is reached (returns true), and
   * persists the encryption count now and then. Failures are logged, never thrown.
   */
  async check(): Promise<boolean> {
    try {
      const config = await this.readConfig();
      const status = this.barrier.keyStatus();
      const nowMs = this.clock.wallMs();
      if (config.enabled) {
        const byCount = status.encryptions >= config.maxOperations;
        const byAge = config.intervalMs > 0 && nowMs - status.installTimeMs >= config.intervalMs;
        if (byCount || byAge) {
          const next = await this.barrier.rotate();
          this.logger.info(
            {
              term: next.term,
              previous_term: status.term,
              reason: byCount ? 'max_operations' : 'interval',
              encryptions: status.encryptions,
            },
            'keyring rotated automatically',
          );
          this.lastPersistMs = nowMs;
          return true;
        }
      }
      this.lastPersistMs ??= nowMs;
      if (
        nowMs - this.lastPersistMs >= this.persistEveryMs &&
        status.encryptions !== this.lastPersistedCount
      ) {
        await this.barrier.persistEncryptionCounts();
        this.lastPersistMs = nowMs;
        this.lastPersistedCount = status.encryptions;
      }
    } catch (err) {
      if (!this.barrier.isSealed()) {
        this.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'keyring rotation check failed',
        );
      }
    }
    return false;
  }
}
