/**
 * The audit broker: fans each record out to every enabled device and enforces Vault's rule — with
 * at least one device enabled, a request proceeds only if at least one device recorded it (fail
 * closed). Beyond Vault, a device that hangs cannot freeze the server: each write is bounded by
 * `writeTimeoutMs`, after which that device counts as failed (and is counted in metrics).
 */
import { ArcaError } from '../../lib/errors.js';
import type { AuditDevice } from './device.js';
import type { AuditBroker as AuditSeam, AuditEntry } from '../audit-broker.js';
import { WriteDeadlines } from './write-deadlines.js';

/** Counters the broker reports to (implemented by the metrics registry). */
export interface AuditObserver {
  written(devicePath: string, type: 'request' | 'response', seconds: number): void;
  failed(devicePath: string, type: 'request' | 'response', reason: 'error' | 'timeout'): void;
}

/** Logger subset used here (pino-compatible). */
export interface AuditLogger {
  error(obj: object, msg: string): void;
}

/** Core's audit seam, implemented over the enabled devices. */
export class AuditBroker implements AuditSeam {
  private readonly devices = new Map<string, AuditDevice>();
  private readonly deadlines: WriteDeadlines;
  private readonly now: () => number;

  constructor(
    private readonly options: {
      writeTimeoutMs: number;
      logger?: AuditLogger;
      observer?: AuditObserver;
      now?: () => number;
    },
  ) {
    this.deadlines = new WriteDeadlines(options.writeTimeoutMs, options.now);
    this.now = options.now ?? (() => performance.now());
  }

  /** True when at least one device is enabled (then every audited request must be recorded). */
  hasDevices(): boolean {
    return this.devices.size > 0;
  }

  /** The enabled device at `path`, if any. */
  device(path: string): AuditDevice | undefined {
    return this.devices.get(path);
  }

  /** Paths of the enabled devices. */
  paths(): string[] {
    return [...this.devices.keys()].sort();
  }

  add(device: AuditDevice): void {
    this.devices.set(device.config.path, device);
  }

  /** Removes and closes a device. */
  async remove(path: string): Promise<void> {
    const device = this.devices.get(path);
    this.devices.delete(path);
    await device?.close();
  }

  /** Written before the request is handled; throws `audit_failed` (500) if no device recorded it. */
  logRequest(entry: AuditEntry): Promise<void> {
    return this.fanOut(entry.type === 'request' ? entry : { ...entry, type: 'request' });
  }

  /** Written after the request is handled, before the response is returned. */
  logResponse(entry: AuditEntry): Promise<void> {
    return this.fanOut(entry.type === 'response' ? entry : { ...entry, type: 'response' });
  }

  /** Re-opens every device's destination (log rotation on SIGHUP). */
  async reopenAll(): Promise<void> {
    await Promise.allSettled([...this.devices.values()].map((d) => d.reopen()));
  }

  /** Closes every device (seal, shutdown). */
  async closeAll(): Promise<void> {
    const devices = [...this.devices.values()];
    this.devices.clear();
    await Promise.allSettled(devices.map((d) => d.close()));
  }

  private async fanOut(entry: AuditEntry): Promise<void> {
    if (this.devices.size === 0) return;
    let recorded: boolean;
    if (this.devices.size === 1) {
      // The common case, without an array, a closure per device and Promise.all per entry.
      const [device] = this.devices.values();
      recorded = await this.logTo(device, entry);
    } else {
      const results = await Promise.all([...this.devices.values()].map((d) => this.logTo(d, entry)));
      recorded = results.includes(true);
    }
    if (!recorded) {
      this.options.logger?.error(
        { entry_type: entry.type },
        'no audit backend succeeded in logging the request',
      );
      throw new ArcaError('audit_failed');
    }
  }

  /** One device's bounded write; true when it recorded the entry (failures are counted and logged). */
  private async logTo(device: AuditDevice, entry: AuditEntry): Promise<boolean> {
    const type = entry.type;
    const started = this.now();
    const outcome = await this.deadlines.bound(device.log(entry));
    if (outcome === 'ok') {
      this.options.observer?.written(device.config.path, type, (this.now() - started) / 1000);
      return true;
    }
    this.options.observer?.failed(device.config.path, type, outcome);
    this.options.logger?.error(
      { audit_device: device.config.path, entry_type: type, reason: outcome },
      'audit device failed to record an entry',
    );
    return false;
  }
}
