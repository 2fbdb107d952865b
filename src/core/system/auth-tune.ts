/**
 * The parts of `sys/auth/<path>` enable and tune that only auth mounts have (Vault's
 * `handleTuneWriteCommon`): `token_type`, `listing_visibility` and `user_lockout_config`, parsed
 * with Vault's messages, and their rendering in tune reads.
 */
import { ArcaError } from '../../lib/errors.js';
import { parseDurationSeconds } from '../../lib/durations.js';
import type { MountConfig, MountTokenType, UserLockoutConfig } from '../mount-table.js';
import { effectiveLockout, lockoutMethodTypes } from '../user-lockout.js';

/** An auth mount's `token_type` (Vault's four spellings), else 400. */
export function mountTokenTypeField(value: unknown): MountTokenType {
  if (value === 'default-service' || value === 'default-batch' || value === 'service' || value === 'batch') {
    return value;
  }
  throw new ArcaError('invalid_request', "invalid value for 'token_type'");
}

/** `listing_visibility`: '', `unauth` or `hidden`, else 400; undefined when not sent. */
export function listingVisibilityField(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === '' || value === 'unauth' || value === 'hidden') return value;
  throw new ArcaError('invalid_request', `invalid listing_visibility ${JSON.stringify(value)}`);
}

function intOf(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ArcaError('invalid_request', `invalid value for "${name}"`);
  }
  return n;
}

/**
 * `user_lockout_config` {lockout_threshold, lockout_duration, lockout_counter_reset,
 * lockout_disable}; 400 for a method without lockout (Vault's message) or a bad value.
 */
export function userLockoutField(raw: unknown, mountType: string): UserLockoutConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArcaError('invalid_request', 'user_lockout_config must be a map');
  }
  if (!lockoutMethodTypes.has(mountType)) {
    throw new ArcaError(
      'invalid_request',
      `tuning of user lockout configuration for auth type "${mountType}" not allowed`,
    );
  }
  const r = raw as Record<string, unknown>;
  const out: UserLockoutConfig = {};
  const threshold = intOf(r.lockout_threshold, 'lockout_threshold');
  if (threshold !== undefined) out.threshold = threshold;
  if (r.lockout_duration !== undefined && r.lockout_duration !== '') {
    out.durationSeconds = parseDurationSeconds(r.lockout_duration, 'lockout_duration');
  }
  if (r.lockout_counter_reset !== undefined && r.lockout_counter_reset !== '') {
    out.counterResetSeconds = parseDurationSeconds(r.lockout_counter_reset, 'lockout_counter_reset');
  }
  if (r.lockout_disable !== undefined) {
    out.disable = r.lockout_disable === true || r.lockout_disable === 'true';
  }
  return out;
}

/** The auth-only keys of a tune read. */
export function authTuneData(config: MountConfig, mountType: string): Record<string, unknown> {
  const data: Record<string, unknown> = { token_type: config.tokenType ?? 'default-service' };
  if (config.userLockout !== undefined && lockoutMethodTypes.has(mountType)) {
    const lockout = effectiveLockout(config);
    data.user_lockout_counter_reset_duration = lockout.counterResetSeconds;
    data.user_lockout_disable = lockout.disable;
    data.user_lockout_duration = lockout.durationSeconds;
    data.user_lockout_threshold = lockout.threshold;
  }
  return data;
}
