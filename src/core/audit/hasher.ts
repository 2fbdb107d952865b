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

  constructor(salt: string) {
    this.hmac = new Sha256Hmac(salt);
  }

  /** `hmac-sha256:<hex>` of `value`. */
  hash(value: string): string {
    return `hmac-sha256:${this.hmac.hex(value)}`;
  }

  /**
   * A deep copy of `value` with every string (at any depth, in objects and arrays) hashed;
   * object keys are kept. `exemptKeys` names top-level keys left as they are.
   */
  hashValues(value: unknown, exemptKeys: ReadonlySet<string> = new Set()): unknown {
    return this.walk(value, exemptKeys, true);
  }

  private walk(value: unknown, exempt: ReadonlySet<string>, top: boolean): unknown {
    if (typeof value === 'string') return this.hash(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.walk(v, exempt, false));
    if (value instanceof Uint8Array) return this.hash(Buffer.from(value).toString('base64'));
    // Own enumerable string keys, as Object.entries, without allocating a pair per key.
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(source)) {
      const v = source[k];
      out[k] = top && exempt.has(k) ? v : this.walk(v, exempt, false);
    }
    return out;
  }
}
