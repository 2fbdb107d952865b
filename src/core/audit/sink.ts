/**
 * Where an audit device's lines go. `write` resolves only once the text has been handed to the
 * destination (file: written to the OS, and fsync'd when the device asks for it; socket: flushed
 * to the kernel) — the broker waits for it before the request proceeds.
 */
export interface AuditSink {
  /** Writes complete lines (each ends with '\n'); concurrent calls are written in call order. */
  write(text: string): Promise<void>;
  /** Re-opens the destination (file rotated by an external tool; SIGHUP). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Stands in for a device whose destination could not be opened at unseal: every write fails, so
 * the device still counts for the fail-closed rule. SIGHUP (reopen) does not revive it; disable
 * and re-enable the device, or fix the destination and unseal again.
 */
export class UnavailableSink implements AuditSink {
  constructor(private readonly reason: string) {}

  write(): Promise<void> {
    return Promise.reject(new Error(`audit device unavailable: ${this.reason}`));
  }

  async reopen(): Promise<void> {}

  async close(): Promise<void> {}
}
