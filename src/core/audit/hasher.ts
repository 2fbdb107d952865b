/**
 * Vault's audit hashing: every string that could be sensitive is replaced by
 * `hmac-sha256:<hex>` = HMAC-SHA256(device salt, value). The same salt lets `sys/audit-hash`
 * reproduce a hash so an operator can search the log for a known value without the log ever
 * containing it. Numbers and booleans stay plaintext (as in Vault).
 */
import { Sha256Hmac } from '../../lib/fast-hmac.js';

/** Hashes strings with one device's salt. */
export class AuditHasher {
  private readonly hmac: Sha256Hmac;
  /** The hash of '' (empty fields such as KV v2's `deletion_time` are in most entries). */
  private readonly emptyHash: string;

  constructor(salt: string) {
    this.hmac = new Sha256Hmac(salt);
    this.emptyHash = `hmac-sha256:${this.hmac.hex('')}`;
  }

  /** `hmac-sha256:<hex>` of `value`. */
  hash(value: string): string {
    if (value === '') return this.emptyHash;
    return `hmac-sha256:${this.hmac.hex(value)}`;
  }
}
