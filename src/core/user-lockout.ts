/**
 * User lockout (Vault 1.13+, userpass/approle/ldap): after `threshold` failed logins of one alias
 * (username, role_id) on one mount — each within `counterReset` of the previous — the alias is
 * locked for `duration`: its logins answer 403 `permission denied` without reaching the method
 * (so no bcrypt work either). A success resets the count. Failure counts live in memory (as in
 * Vault); the lock itself is stored behind the barrier, so it survives a restart or seal, and
 * `sys/locked-users` lists and unlocks it.
 */
import type { Clock } from '../lib/clock.js';
import { num, object } from '../lib/shape.js';
import type { StorageView } from '../logical/storage-view.js';
import type { MountConfig, UserLockoutConfig } from './mount-table.js';
import { jsonBytes, readJson } from './storage-view.js';

/** Vault's defaults: 5 failures, 15 minutes locked, counter reset after 15 minutes. */
export const defaultUserLockout: Required<Omit<UserLockoutConfig, 'disable'>> & { disable: boolean } = {
  threshold: 5,
  durationSeconds: 900,
  counterResetSeconds: 900,
  disable: false,
};

/** Auth method types that support lockout (Vault's list). */
export const lockoutMethodTypes: ReadonlySet<string> = new Set(['userpass', 'approle', 'ldap']);

/** The mount's effective lockout settings (its tune over Vault's defaults). */
export function effectiveLockout(config: MountConfig): typeof defaultUserLockout {
  const tuned = config.userLockout ?? {};
  return {
    threshold: tuned.threshold || defaultUserLockout.threshold,
    durationSeconds: tuned.durationSeconds || defaultUserLockout.durationSeconds,
    counterResetSeconds: tuned.counterResetSeconds || defaultUserLockout.counterResetSeconds,
    disable: tuned.disable ?? false,
  };
}

const storedLock = object<{ lockedAtMs: number }>({ lockedAtMs: num });

/** One locked alias, as `sys/locked-users` lists it. */
export interface LockedUser {
  mountAccessor: string;
  alias: string;
}

export class UserLockout {
  private readonly failures = new Map<string, { count: number; lastFailureMs: number }>();

  constructor(
    private readonly storage: StorageView,
    private readonly clock: Clock,
  ) {}

  /** Whether the alias is locked now; an expired lock is removed. */
  async isLocked(mountAccessor: string, alias: string, config: MountConfig): Promise<boolean> {
    const settings = effectiveLockout(config);
    const key = this.key(mountAccessor, alias);
    const lock = await readJson(this.storage, key, storedLock);
    if (lock === undefined) return false;
    if (settings.disable) return false;
    if (this.clock.wallMs() < lock.lockedAtMs + settings.durationSeconds * 1000) return true;
    await this.storage.delete(key);
    this.failures.delete(key);
    return false;
  }

  /** Counts a failed login (invalid credentials); locks the alias at the threshold. */
  async recordFailure(mountAccessor: string, alias: string, config: MountConfig): Promise<void> {
    const settings = effectiveLockout(config);
    if (settings.disable) return;
    const key = this.key(mountAccessor, alias);
    const nowMs = this.clock.wallMs();
    const previous = this.failures.get(key);
    const fresh =
      previous === undefined || nowMs - previous.lastFailureMs > settings.counterResetSeconds * 1000;
    const count = fresh ? 1 : previous.count + 1;
    this.failures.set(key, { count, lastFailureMs: nowMs });
    if (count >= settings.threshold) await this.storage.put(key, jsonBytes({ lockedAtMs: nowMs }));
  }

  /** A successful login forgets the alias's failures. */
  recordSuccess(mountAccessor: string, alias: string): void {
    if (this.failures.size > 0) this.failures.delete(this.key(mountAccessor, alias));
  }

  /** Every stored lock (expired ones included until their next check), by mount accessor. */
  async list(): Promise<LockedUser[]> {
    const out: LockedUser[] = [];
    for (const accessor of await this.storage.list('')) {
      if (!accessor.endsWith('/')) continue;
      for (const alias of await this.storage.list(accessor)) {
        if (alias.endsWith('/')) continue;
        out.push({
          mountAccessor: decodeURIComponent(accessor.slice(0, -1)),
          alias: decodeURIComponent(alias),
        });
      }
    }
    return out;
  }

  /** Unlocks an alias (idempotent). */
  async unlock(mountAccessor: string, alias: string): Promise<void> {
    const key = this.key(mountAccessor, alias);
    this.failures.delete(key);
    await this.storage.delete(key);
  }

  private key(mountAccessor: string, alias: string): string {
    // Aliases are usernames/role ids; encode anything that could act as a path separator.
    return `${encodeURIComponent(mountAccessor)}/${encodeURIComponent(alias)}`;
  }
}
